using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Web.Features.Identity.Pages;

public sealed class RegisterEditModel
{
    [Required(ErrorMessage = "Choose a username.")]
    [StringLength(30, MinimumLength = 3, ErrorMessage = "A username has 3 to 30 characters.")]
    [RegularExpression("^[A-Za-z0-9._-]+$", ErrorMessage = "Use letters, digits, '.', '_' and '-' only.")]
    public string Username { get; set; } = "";

    [Required(ErrorMessage = "Enter your email address."), EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(100, MinimumLength = 8, ErrorMessage = "A password has at least 8 characters.")]
    public string Password { get; set; } = "";

    [Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    public string ConfirmPassword { get; set; } = "";
}

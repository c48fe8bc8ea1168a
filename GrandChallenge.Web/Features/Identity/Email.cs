using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Mail;
using System.Text.Encodings.Web;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Web.Features.Identity;

/// <summary>Outgoing mail. Without <c>Email:Smtp:Host</c> mails are logged and appended to <c>mail/outbox.log</c> in the data folder.</summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    [Required, EmailAddress]
    public string From { get; set; } = "noreply@grandchallenge.local";

    public SmtpSettings Smtp { get; set; } = new();

    public sealed class SmtpSettings
    {
        public string? Host { get; set; }
        [Range(1, 65535)]
        public int Port { get; set; } = 587;
        public bool EnableSsl { get; set; } = true;
        public string? Username { get; set; }
        public string? Password { get; set; }
    }
}

public sealed record EmailMessage(string To, string Subject, string HtmlBody);

public interface IEmailTransport
{
    Task SendAsync(EmailMessage message, CancellationToken ct = default);
}

public sealed class FileEmailTransport(DataDirectory data, IOptions<EmailOptions> options, ILogger<FileEmailTransport> logger) : IEmailTransport
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public string OutboxPath => Path.Combine(data.Folder("mail"), "outbox.log");

    public async Task SendAsync(EmailMessage message, CancellationToken ct = default)
    {
        logger.LogInformation("Email to {To}: {Subject}\n{Body}", message.To, message.Subject, message.HtmlBody);
        var text = $"From: {options.Value.From}\nTo: {message.To}\nSubject: {message.Subject}\nDate: {DateTimeOffset.UtcNow:O}\n\n{message.HtmlBody}\n-----\n";
        await Gate.WaitAsync(ct);
        try
        {
            await File.AppendAllTextAsync(OutboxPath, text, ct);
        }
        finally
        {
            Gate.Release();
        }
    }
}

public sealed class SmtpEmailTransport(IOptions<EmailOptions> options) : IEmailTransport
{
    public async Task SendAsync(EmailMessage message, CancellationToken ct = default)
    {
        var settings = options.Value;
        using var client = new SmtpClient(settings.Smtp.Host, settings.Smtp.Port) { EnableSsl = settings.Smtp.EnableSsl };
        if (settings.Smtp.Username is { Length: > 0 })
        {
            client.Credentials = new NetworkCredential(settings.Smtp.Username, settings.Smtp.Password);
        }

        using var mail = new MailMessage(settings.From, message.To, message.Subject, message.HtmlBody) { IsBodyHtml = true };
        await client.SendMailAsync(mail, ct);
    }
}

public sealed class IdentityEmailSender(IEmailTransport transport) : IEmailSender<ApplicationUser>
{
    public Task SendConfirmationLinkAsync(ApplicationUser user, string email, string confirmationLink) =>
        transport.SendAsync(new EmailMessage(email, "Confirm your email",
            $"Please confirm your account by <a href='{HtmlEncoder.Default.Encode(confirmationLink)}'>clicking here</a>."));

    public Task SendPasswordResetLinkAsync(ApplicationUser user, string email, string resetLink) =>
        transport.SendAsync(new EmailMessage(email, "Reset your password",
            $"Hello {HtmlEncoder.Default.Encode(user.UserName ?? "")}, reset your password by <a href='{HtmlEncoder.Default.Encode(resetLink)}'>clicking here</a>.\nLink: {resetLink}"));

    public Task SendPasswordResetCodeAsync(ApplicationUser user, string email, string resetCode) =>
        transport.SendAsync(new EmailMessage(email, "Reset your password",
            $"Reset your password using the following code: {HtmlEncoder.Default.Encode(resetCode)}"));
}

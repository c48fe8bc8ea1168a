using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

/// <summary>How a challenge answers registration requests.</summary>
public enum RegistrationHandling
{
    /// <summary>An admin accepts or rejects each request (grand-challenge.org's default).</summary>
    ManualReview,
    /// <summary>Users with a confirmed e-mail address are accepted at once; others wait for review.</summary>
    AcceptVerifiedUsers,
    AcceptAll,
}

public class Challenge : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>URL slug, unique, lower case.</summary>
    public required string ShortName { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public string? ContactEmail { get; set; }
    /// <summary>A hidden challenge is invisible to everyone but its admins and participants.</summary>
    public bool Hidden { get; set; }
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public RegistrationHandling RegistrationHandling { get; set; } = RegistrationHandling.ManualReview;
    /// <summary>Blob keys of the logo and banner images, when set.</summary>
    public string? LogoBlobKey { get; set; }
    public string? BannerBlobKey { get; set; }
    public Guid? CreatorId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

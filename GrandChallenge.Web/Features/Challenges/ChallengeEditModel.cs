using GrandChallenge.Domain.Challenges;

namespace GrandChallenge.Web.Features.Challenges;

/// <summary>The fields of a challenge's form; dates are days (UTC).</summary>
public sealed class ChallengeEditModel
{
    public string ShortName { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string ContactEmail { get; set; } = "";
    public bool Hidden { get; set; }
    public DateTime? StartDate { get; set; }
    public DateTime? EndDate { get; set; }
    public RegistrationHandling RegistrationHandling { get; set; } = RegistrationHandling.ManualReview;

    public static ChallengeEditModel From(Challenge c) => new()
    {
        ShortName = c.ShortName,
        Title = c.Title,
        Description = c.Description,
        ContactEmail = c.ContactEmail ?? "",
        Hidden = c.Hidden,
        StartDate = c.StartsAt?.UtcDateTime.Date,
        EndDate = c.EndsAt?.UtcDateTime.Date,
        RegistrationHandling = c.RegistrationHandling,
    };

    public NewChallenge ToNewChallenge() =>
        new(ShortName, Title, Description, ContactEmail, Hidden, Utc(StartDate), Utc(EndDate), RegistrationHandling);

    public ChallengeSettings ToSettings() =>
        new(Title, Description, ContactEmail, Hidden, Utc(StartDate), Utc(EndDate), RegistrationHandling);

    private static DateTimeOffset? Utc(DateTime? day) =>
        day is { } d ? new DateTimeOffset(DateTime.SpecifyKind(d.Date, DateTimeKind.Utc)) : null;

    public static string Describe(RegistrationHandling handling) => handling switch
    {
        RegistrationHandling.AcceptAll => "Accept everyone at once",
        RegistrationHandling.AcceptVerifiedUsers => "Accept users with a confirmed e-mail address at once",
        _ => "An admin reviews each request",
    };
}

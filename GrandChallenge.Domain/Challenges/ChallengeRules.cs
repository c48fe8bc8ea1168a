using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.RegularExpressions;

namespace GrandChallenge.Domain.Challenges;

/// <summary>What makes a short name, title, e-mail address or web site acceptable; messages are for users.</summary>
public static partial class ChallengeRules
{
    public const int MaxShortNameLength = 50;
    public const int MaxTitleLength = 200;
    public const int MaxDescriptionLength = 1024;
    public const int MaxPageTitleLength = 64;
    public const int MaxPageContentLength = 200_000;

    /// <summary>
    /// Names that are paths of the platform (<c>/challenges/new</c>, <c>/challenges/requests</c>, …) or of
    /// grand-challenge.org's deny-list, so no challenge can shadow them.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedShortNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "new", "request", "requests", "create", "edit", "admin", "admins", "api", "static", "media", "www", "mail",
        "m", "i", "logos", "banners", "docker", "evaluation", "evaluation-supplementary", "favicon", "cache",
        "challenge", "challenges", "my-challenges", "costs", "all", "list", "search", "notifications", "account",
        "accounts", "users", "teams", "pages", "phases", "register", "registration", "health",
    };

    /// <summary>Short names are kept in lower case; surrounding space is dropped.</summary>
    public static string NormalizeShortName(string? shortName) => (shortName ?? "").Trim().ToLowerInvariant();

    /// <summary>Null when the (normalised) short name may be used, else why not.</summary>
    public static string? CheckShortName(string shortName)
    {
        if (shortName.Length == 0)
        {
            return "A short name is required.";
        }

        if (shortName.Length > MaxShortNameLength)
        {
            return $"The short name may have at most {MaxShortNameLength} characters.";
        }

        if (!ShortNamePattern().IsMatch(shortName))
        {
            return "The short name may only contain lower-case letters, digits and hyphens, and must start and end with a letter or digit.";
        }

        return ReservedShortNames.Contains(shortName) ? $"'{shortName}' is reserved; choose another short name." : null;
    }

    public static string? CheckTitle(string title) =>
        title.Length == 0 ? "A title is required."
        : title.Length > MaxTitleLength ? $"The title may have at most {MaxTitleLength} characters."
        : null;

    public static string? CheckDescription(string description) =>
        description.Length > MaxDescriptionLength ? $"The description may have at most {MaxDescriptionLength} characters." : null;

    public static string? CheckEmail(string? email) =>
        string.IsNullOrEmpty(email) || (email.Length <= 254 && new EmailAddressAttribute().IsValid(email) && email.Contains('.'))
            ? null
            : $"'{email}' is not an e-mail address.";

    /// <summary>Empty, or an absolute http(s) address.</summary>
    public static string? CheckWebsite(string website) =>
        website.Length == 0
        || (website.Length <= 500 && Uri.TryCreate(website, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            ? null
            : "The website must be an http:// or https:// address.";

    public static string? CheckDates(DateTimeOffset? startsAt, DateTimeOffset? endsAt) =>
        startsAt is { } start && endsAt is { } end && end <= start ? "The end must come after the start." : null;

    /// <summary>A URL slug from a title: lower-case ASCII letters and digits joined by single hyphens.</summary>
    public static string Slugify(string text, int maxLength = 64)
    {
        var normalized = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder();
        foreach (var c in normalized)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
            else if (char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark && builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var slug = builder.ToString().Trim('-');
        if (slug.Length > maxLength)
        {
            slug = slug[..maxLength].Trim('-');
        }

        return slug.Length == 0 ? "page" : slug;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex ShortNamePattern();
}

/// <summary>Topics on <see cref="Common.IChangeNotifier"/> that challenge pages listen to.</summary>
public static class ChallengeTopics
{
    public const string Requests = "challenge-requests";

    public static string Challenge(Guid challengeId) => $"challenge/{challengeId}";

    public static string Registrations(Guid challengeId) => $"challenge/{challengeId}/registrations";

    public static string Teams(Guid challengeId) => $"challenge/{challengeId}/teams";
}

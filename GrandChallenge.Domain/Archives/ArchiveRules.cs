using System.Text;
using System.Text.RegularExpressions;

namespace GrandChallenge.Domain.Archives;

/// <summary>What makes an archive's slug, title and description acceptable; messages are for users.</summary>
public static partial class ArchiveRules
{
    public const int MaxDescriptionLength = 1024;
    public const int MaxItemTitleLength = 255;

    /// <summary>Paths under <c>/archives/</c> that no archive may shadow.</summary>
    public static readonly IReadOnlySet<string> ReservedSlugs = new HashSet<string>(StringComparer.Ordinal)
    {
        "create", "new", "items", "edit", "members", "api", "list", "search",
    };

    public static string NormalizeSlug(string? slug) => (slug ?? "").Trim().ToLowerInvariant();

    /// <summary>A slug made from a title: lower-case letters and digits, runs of anything else become one hyphen.</summary>
    public static string Slugify(string title)
    {
        var builder = new StringBuilder();
        foreach (var c in title.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                builder.Append(c);
            }
            else if (char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark && builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var slug = builder.ToString().Trim('-');
        return slug.Length > Archive.MaxSlugLength ? slug[..Archive.MaxSlugLength].TrimEnd('-') : slug;
    }

    public static string? CheckSlug(string slug)
    {
        if (slug.Length == 0)
        {
            return "A slug is required (letters or digits in the title make one).";
        }

        if (slug.Length > Archive.MaxSlugLength)
        {
            return $"The slug may have at most {Archive.MaxSlugLength} characters.";
        }

        if (!SlugPattern().IsMatch(slug))
        {
            return "The slug may only contain lower-case letters, digits and hyphens, and must start and end with a letter or digit.";
        }

        if (Guid.TryParse(slug, out _))
        {
            return "The slug may not look like an id.";
        }

        return ReservedSlugs.Contains(slug) ? $"'{slug}' is reserved; choose another slug." : null;
    }

    public static string? CheckTitle(string title) =>
        title.Length == 0 ? "A title is required."
        : title.Length > Archive.MaxTitleLength ? $"The title may have at most {Archive.MaxTitleLength} characters."
        : null;

    public static string? CheckDescription(string description) =>
        description.Length > MaxDescriptionLength ? $"The description may have at most {MaxDescriptionLength} characters." : null;

    public static string? CheckItemTitle(string title) =>
        title.Length > MaxItemTitleLength ? $"The title may have at most {MaxItemTitleLength} characters." : null;

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex SlugPattern();
}

using System.Globalization;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>Dates and times typed into <c>datetime-local</c> fields, read and written as UTC.</summary>
public static class UtcInput
{
    public const string Format = "yyyy-MM-ddTHH:mm";

    public static string Of(DateTimeOffset? value) => value?.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture) ?? "";

    /// <summary>Empty text is no date; text that is not a date and time is an error.</summary>
    public static bool TryParse(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTime.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = new DateTimeOffset(parsed, TimeSpan.Zero);
            return true;
        }

        return false;
    }
}

using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Containers;
using MudBlazor;

namespace GrandChallenge.Web.Features.Algorithms;

/// <summary>How the algorithm pages show durations, limits and statuses.</summary>
public static class AlgorithmDisplay
{
    /// <summary>The address of the algorithm's logo (versioned), or null when it has none.</summary>
    public static string? LogoUrl(string slug, string? blobKey) => Api.PictureResults.Url($"/api/v1/algorithms/{slug}/logo/", blobKey);

    public static string Duration(double? seconds) => seconds switch
    {
        null => "—",
        < 60 => $"{seconds:0.#} s",
        < 3600 => $"{seconds / 60:0.#} min",
        _ => $"{seconds / 3600:0.#} h",
    };

    public static string Handling(AccessRequestHandling handling) => handling switch
    {
        AccessRequestHandling.AcceptAll => "Accept everyone",
        AccessRequestHandling.AcceptVerifiedUsers => "Accept users with a confirmed e-mail address; review the others",
        _ => "Review every request",
    };

    public static Color ColorOf(ContainerImageInfo image) => image.IsRemoved ? Color.Default : image.ImportStatus switch
    {
        ContainerImageImportStatus.Completed => Color.Success,
        ContainerImageImportStatus.Failed or ContainerImageImportStatus.Cancelled => Color.Error,
        _ => Color.Info,
    };

    public static string ShortSha(string? sha) => sha is { Length: > 19 } ? sha.Replace("sha256:", "")[..12] : "—";

    public static string When(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm") + " UTC";
}

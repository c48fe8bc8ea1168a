using GrandChallenge.Domain.Common.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrandChallenge.Web.Features.Api;

/// <summary>How logos and banners (of challenges and algorithms) are addressed and sent.</summary>
public static class PictureResults
{
    /// <summary>The picture's address with its version, so that browsers fetch a replaced picture anew; null when there is none.</summary>
    public static string? Url(string path, string? blobKey) => blobKey is null ? null : $"{path}?v={Pictures.VersionOf(blobKey)}";

    /// <summary>The picture with its entity tag, or 404 with <paramref name="notFound"/>.</summary>
    public static Results<FileStreamHttpResult, ProblemHttpResult> Send(Picture? picture, string notFound) =>
        picture is null
            ? ApiConventions.NotFound(notFound)
            : TypedResults.Stream(picture.Content, picture.ContentType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(picture.ETag));
}

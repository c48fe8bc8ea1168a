namespace GrandChallenge.Web.Features.Challenges;

public static class ChallengesFeature
{
    /// <summary>The challenge pages' helpers; the domain services come with the domain, the API with <see cref="ChallengeApiEndpoints"/>.</summary>
    public static IHostApplicationBuilder AddChallengesFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<MarkdownRenderer>();
        return builder;
    }

    /// <summary>The address of a challenge's logo or banner; the version makes browsers fetch a replaced image anew.</summary>
    public static string? ImageUrl(string shortName, string kind, string? blobKey) =>
        Api.PictureResults.Url($"/api/v1/challenges/{shortName}/{kind}/", blobKey);
}

using GrandChallenge.Domain.Uploads;

namespace GrandChallenge.Web.Features.Uploads;

public static class UploadsFeature
{
    /// <summary>Resumable uploads: the domain service and its options; the API is mapped by <see cref="UploadApiEndpoints"/>.</summary>
    public static IHostApplicationBuilder AddUploadsFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddUploadServices();
        return builder;
    }
}

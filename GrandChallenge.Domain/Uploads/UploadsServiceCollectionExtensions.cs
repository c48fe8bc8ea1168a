using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrandChallenge.Domain.Uploads;

public static class UploadsServiceCollectionExtensions
{
    /// <summary>
    /// The upload service, its signing key and the <c>Uploads</c> options. Both the web host (API, pages) and a
    /// separate worker process (expiry job) need them; registering twice is harmless.
    /// </summary>
    public static IServiceCollection AddUploadServices(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IUploadService)))
        {
            return services;
        }

        services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<UploadSigner>();
        services.TryAddSingleton<IUploadService, UploadService>();
        return services;
    }
}

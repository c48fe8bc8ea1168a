using GrandChallenge.Domain.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrandChallenge.Domain.Imaging.Import;

public static class ImageImportServiceCollectionExtensions
{
    /// <summary>
    /// The image builders of this part (MetaImage, NIfTI, PNG/JPEG; other formats add theirs the same way), the unpacker
    /// and its <c>ImageImport</c> options, the importer and the upload session service. The session service needs an
    /// <see cref="IImageImportJobs"/>, which the workers register.
    /// </summary>
    public static IServiceCollection AddImageImport(this IServiceCollection services)
    {
        services.AddOptions<ImageImportOptions>().BindConfiguration(ImageImportOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageBuilder, MetaImageBuilder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageBuilder, NiftiImageBuilder>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageBuilder, RasterImageBuilder>());
        services.TryAddSingleton<ImageUnpacker>();
        services.TryAddSingleton<IImageStore, ImageStore>();
        services.TryAddSingleton<ImageImporter>();
        services.TryAddSingleton<IUploadSessionService, UploadSessionService>();
        return services;
    }
}

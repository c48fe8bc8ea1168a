using GrandChallenge.Domain.Cases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Archives;

public static class ArchivesRegistration
{
    /// <summary>Archives, their items, the upload destination that fills them, and who may see images.</summary>
    public static IHostApplicationBuilder AddArchivesDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IArchiveAccess, ArchiveAccess>();
        builder.Services.TryAddSingleton<IArchiveService, ArchiveService>();
        builder.Services.TryAddSingleton<ArchiveItemService>();
        builder.Services.TryAddSingleton<IArchiveItemService>(sp => sp.GetRequiredService<ArchiveItemService>());
        builder.Services.TryAddSingleton<IImageAccess, ImageAccess>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageVisibilitySource, ArchiveImageVisibility>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IUploadSessionDestination, ArchiveUploadDestination>());
        return builder;
    }
}

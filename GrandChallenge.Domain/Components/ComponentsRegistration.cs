using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Components;

public static class ComponentsRegistration
{
    /// <summary>Sockets, socket values and the helpers that stage inputs and read outputs of containers.</summary>
    public static IHostApplicationBuilder AddComponentsDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ComponentsOptions>()
            .BindConfiguration(ComponentsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<ISocketService, SocketService>();
        builder.Services.TryAddSingleton<ISocketValueService, SocketValueService>();
        builder.Services.TryAddSingleton<SocketOutputReader>();
        builder.Services.TryAddSingleton<InputStager>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Cases.IImageVisibilitySource, ComponentJobImageVisibility>());
        return builder;
    }
}

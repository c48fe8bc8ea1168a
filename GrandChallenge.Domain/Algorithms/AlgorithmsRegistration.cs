using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Algorithms;

public static class AlgorithmsRegistration
{
    /// <summary>Algorithms, their images, models and jobs, and algorithm submissions to challenge phases.</summary>
    public static IHostApplicationBuilder AddAlgorithmsDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IAlgorithmAccess, AlgorithmAccess>();
        builder.Services.TryAddSingleton<IAlgorithmService, AlgorithmService>();
        builder.Services.TryAddSingleton<IAlgorithmModelService, AlgorithmModelService>();
        return builder;
    }
}

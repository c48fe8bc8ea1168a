using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Algorithms;

public static class AlgorithmsRegistration
{
    /// <summary>Algorithms, their images, models and jobs, and algorithm submissions to challenge phases.</summary>
    public static IHostApplicationBuilder AddAlgorithmsDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IAlgorithmAccess, AlgorithmAccess>();
        builder.Services.TryAddSingleton<AlgorithmEvaluationPipeline>();
        builder.Services.TryAddSingleton<IAlgorithmSubmissionService, AlgorithmSubmissionService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponentJobObserver, AlgorithmEvaluationObserver>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageVisibilitySource, AlgorithmEvaluationImageVisibility>());
        return builder;
    }
}

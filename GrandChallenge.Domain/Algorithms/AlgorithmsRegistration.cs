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
        builder.Services.TryAddSingleton<IAlgorithmService, AlgorithmService>();
        builder.Services.TryAddSingleton<IAlgorithmModelService, AlgorithmModelService>();
        builder.Services.AddOptions<AlgorithmJobOptions>().BindConfiguration(AlgorithmJobOptions.SectionName);
        builder.Services.TryAddSingleton<AlgorithmJobService>();
        builder.Services.TryAddSingleton<IAlgorithmJobService>(sp => sp.GetRequiredService<AlgorithmJobService>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IUploadSessionDestination, AlgorithmJobInputDestination>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponentJobObserver, AlgorithmJobObserver>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageVisibilitySource, AlgorithmJobImageVisibility>());
        builder.Services.TryAddSingleton<AlgorithmEvaluationPipeline>();
        builder.Services.TryAddSingleton<IAlgorithmSubmissionService, AlgorithmSubmissionService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponentJobObserver, AlgorithmEvaluationObserver>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IImageVisibilitySource, AlgorithmEvaluationImageVisibility>());
        return builder;
    }
}

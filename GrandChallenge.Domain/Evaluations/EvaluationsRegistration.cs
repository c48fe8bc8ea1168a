using GrandChallenge.Domain.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Evaluations;

public static class EvaluationsRegistration
{
    /// <summary>Phases, ground truths, submissions, evaluations and leaderboards.</summary>
    public static IHostApplicationBuilder AddEvaluationsDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EvaluationOptions>()
            .BindConfiguration(EvaluationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IPhaseService, PhaseService>();
        builder.Services.TryAddSingleton(sp => new Lazy<IPhaseService>(sp.GetRequiredService<IPhaseService>));
        builder.Services.TryAddSingleton<PhaseRankStore>();
        builder.Services.TryAddSingleton<ILeaderboardService, LeaderboardService>();
        builder.Services.TryAddSingleton<IGroundTruthService, GroundTruthService>();
        builder.Services.TryAddSingleton<IEvaluationService, EvaluationService>();
        builder.Services.TryAddSingleton<ISubmissionService, SubmissionService>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponentJobObserver, EvaluationJobObserver>());
        return builder;
    }
}

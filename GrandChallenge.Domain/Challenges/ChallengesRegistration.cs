using GrandChallenge.Domain.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrandChallenge.Domain.Challenges;

public static class ChallengesRegistration
{
    /// <summary>Challenges, their requests, pages, registrations and teams, and the notifications they send.</summary>
    public static IHostApplicationBuilder AddChallengesDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChallengesOptions>()
            .BindConfiguration(ChallengesOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IChallengeQueries, ChallengeQueries>();
        builder.Services.TryAddSingleton<IChallengeAccess, ChallengeAccess>();
        builder.Services.TryAddSingleton<INotificationService, NotificationService>();
        builder.Services.TryAddSingleton<IChallengeService, ChallengeService>();
        builder.Services.TryAddSingleton<IChallengeRequestService, ChallengeRequestService>();
        builder.Services.TryAddSingleton<IChallengePageService, ChallengePageService>();
        builder.Services.TryAddSingleton<IRegistrationService, RegistrationService>();
        builder.Services.TryAddSingleton<ITeamService, TeamService>();
        builder.Services.TryAddSingleton<IChallengeNavigation, ChallengeNavigation>();
        return builder;
    }
}

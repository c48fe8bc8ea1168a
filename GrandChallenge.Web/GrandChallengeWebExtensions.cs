using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Web.Components;
using GrandChallenge.Web.Features.Api;
using GrandChallenge.Web.Features.Challenges;
using GrandChallenge.Web.Features.Health;
using GrandChallenge.Web.Features.Identity;
using GrandChallenge.Web.Features.Uploads;
using GrandChallenge.Workers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using MudBlazor.Services;

namespace GrandChallenge.Web;

public static class GrandChallengeWebExtensions
{
    /// <summary>Everything the web host runs: domain, identity, API, pages and (unless told not to) the in-process workers.</summary>
    public static IHostApplicationBuilder AddGrandChallengeWeb(this IHostApplicationBuilder builder, bool runWorkers = true)
    {
        builder.AddGrandChallengeDomain();
        builder.AddGrandChallengeWorkers(runScheduler: runWorkers && builder.Configuration.GetValue("Workers:InProcess", true));

        var dataDirectory = DataDirectoryOf(builder);
        builder.Services.AddDataProtection()
            .SetApplicationName("GrandChallenge")
            .PersistKeysToFileSystem(new DirectoryInfo(dataDirectory.Folder("keys")));

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddSignalR();
        builder.Services.AddMudServices();
        builder.Services.AddHttpContextAccessor();

        builder.AddIdentityFeature();
        builder.AddApiFeature();
        builder.AddHealthFeature();
        builder.AddUploadsFeature();
        builder.AddChallengesFeature();
        builder.Services.AddSingleton<Features.Admin.AdminQueries>();
        builder.Services.AddSingleton<Features.Jobs.JobQueries>();
        return builder;
    }

    public static WebApplication UseGrandChallengeWeb(this WebApplication app)
    {
        // Pages get the friendly error and 404 pages; API routes answer with problem details first (see UseApiConventions),
        // which leaves these two nothing to do there.
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseApiConventions();

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapIdentityEndpoints();
        app.MapApiEndpoints();
        app.MapHealthEndpoints();
        Features.Workers.WorkerEventsHub.MapWorkerEvents(app);
        return app;
    }

    /// <summary>Migrates the database (when configured), creates the default sockets and makes sure a site admin exists.</summary>
    public static async Task InitializeGrandChallengeAsync(this WebApplication app)
    {
        await app.Services.MigrateDatabaseAsync();
        await DefaultSockets.EnsureAsync(app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        await app.Services.EnsureSiteAdminAsync();
    }

    private static Domain.Common.DataDirectory DataDirectoryOf(IHostApplicationBuilder builder) =>
        (Domain.Common.DataDirectory)builder.Services.First(d => d.ServiceType == typeof(Domain.Common.DataDirectory)).ImplementationInstance!;
}

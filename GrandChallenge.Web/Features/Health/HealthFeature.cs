using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Workers;
using GrandChallenge.Workers.Containers;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Quartz;

namespace GrandChallenge.Web.Features.Health;

/// <summary><c>/health/live</c> answers while the process runs; <c>/health/ready</c> checks database, storage, Docker engine and scheduler.</summary>
public static class HealthFeature
{
    private const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddHealthFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag])
            .AddCheck<DockerHealthCheck>("docker", failureStatus: HealthStatus.Degraded, tags: [ReadyTag])
            .AddCheck<SchedulerHealthCheck>("scheduler", tags: [ReadyTag]);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            total_duration_ms = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
                duration_ms = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}

internal sealed class DatabaseHealthCheck(IDbContextFactory<AppDbContext> dbFactory, AppDbContextFactory provider) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            return HealthCheckResult.Unhealthy($"Cannot connect to the {provider.Provider} database.");
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
        return pending == 0
            ? HealthCheckResult.Healthy($"{provider.Provider}, schema up to date.")
            : HealthCheckResult.Unhealthy($"{provider.Provider}: {pending} migration(s) not applied. Run `manage migrate`.");
    }
}

internal sealed class StorageHealthCheck(DataDirectory data) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = Path.Combine(data.Folder("tmp"), $"health-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(probe, "ok", cancellationToken);
        var read = await File.ReadAllTextAsync(probe, cancellationToken);
        File.Delete(probe);
        return read == "ok" ? HealthCheckResult.Healthy($"Writable: {data.Root}") : HealthCheckResult.Unhealthy("Storage returned other bytes than written.");
    }
}

internal sealed class DockerHealthCheck(IDockerEngine docker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var version = await docker.TryGetVersionAsync(cancellationToken);
        return version is null
            ? HealthCheckResult.Unhealthy($"No Docker engine answers at {docker.Endpoint}. Run docker/engine.sh.")
            : HealthCheckResult.Healthy($"Docker {version.Version} (API {version.ApiVersion}); runtimes: {string.Join(", ", version.Runtimes)}.");
    }
}

internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers, IOptions<WorkersOptions> workers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!workers.Value.InProcess)
        {
            return HealthCheckResult.Healthy("Jobs run in separate Workers processes.");
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken);
        return scheduler.Status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy($"Quartz scheduler '{scheduler.SchedulerName}' running with a persistent store.")
            : HealthCheckResult.Unhealthy($"The Quartz scheduler is {scheduler.Status}, not running.");
    }
}

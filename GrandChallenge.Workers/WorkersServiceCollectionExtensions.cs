using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Workers.Containers;
using GrandChallenge.Workers.Maintenance;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace GrandChallenge.Workers;

public static class WorkersServiceCollectionExtensions
{
    /// <summary>
    /// Quartz on the platform's own database (persistent; clustered on PostgreSQL and SQL Server) plus the
    /// jobs. With <paramref name="runScheduler"/> off the process can still enqueue jobs for other nodes.
    /// </summary>
    public static IHostApplicationBuilder AddGrandChallengeWorkers(this IHostApplicationBuilder builder, bool runScheduler)
    {
        builder.Services.AddOptions<WorkersOptions>().BindConfiguration(WorkersOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DockerOptions>().BindConfiguration(DockerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<IDockerEngine, DockerEngine>();
        builder.Services.TryAddSingleton<IContainerImageJobs, QuartzContainerImageJobs>();
        builder.Services.TryAddSingleton<ContainerImageImporter>();
        builder.Services.TryAddSingleton<ContainerImageCleaner>();

        var workers = builder.Configuration.GetSection(WorkersOptions.SectionName).Get<WorkersOptions>() ?? new WorkersOptions();
        var database = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = DataServiceCollectionExtensions.ResolveConnectionString(
            database.Provider, builder.Configuration.GetConnectionString("Default"),
            DataDirectory.FromEnvironment(builder.Configuration["DataDirectory"]));

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "GrandChallenge";
                if (database.Provider != DatabaseProvider.Sqlite)
                {
                    o.InstanceId = workers.NodeId is { Length: > 0 } id ? id : $"{Environment.MachineName}-{Environment.ProcessId}";
                }
            });
            q.UseDefaultThreadPool(maxConcurrency: workers.Slots);
            q.UsePersistentStore(store =>
            {
                switch (database.Provider)
                {
                    case DatabaseProvider.Sqlite:
                        // SQLite serialises all store access; one scheduler process per database file.
                        store.UseSqlite(connectionString ?? "");
                        break;
                    case DatabaseProvider.PostgreSql:
                        store.UsePostgres(connectionString ?? "");
                        store.UseClustering(c =>
                        {
                            c.CheckinInterval = TimeSpan.FromSeconds(5);
                            c.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                        });
                        break;
                    case DatabaseProvider.SqlServer:
                        store.UseSqlServer(connectionString ?? "");
                        store.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(5));
                        break;
                }

                store.UseSystemTextJsonSerializer();
            });

            q.AddJob<PurgeApiTokensJob>(j => j.WithIdentity(PurgeApiTokensJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t
                .ForJob(PurgeApiTokensJob.Key)
                .WithIdentity("purge-api-tokens-hourly", "maintenance")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));

            q.AddJob<ImportContainerImageJob>(j => j.WithIdentity(ImportContainerImageJob.Key).StoreDurably().RequestRecovery());
            q.AddJob<RemoveUnusedContainerImagesJob>(j => j.WithIdentity(RemoveUnusedContainerImagesJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t
                .ForJob(RemoveUnusedContainerImagesJob.Key)
                .WithIdentity("remove-unused-container-images-nightly", RemoveUnusedContainerImagesJob.Key.Group)
                .WithCronSchedule("0 0 1 * * ?", c => c.InTimeZone(TimeZoneInfo.Utc)));
        });

        if (runScheduler)
        {
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        }

        return builder;
    }
}

using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;
using GrandChallenge.Workers.Events;
using GrandChallenge.Workers.Imports;
using GrandChallenge.Workers.Maintenance;
using GrandChallenge.Workers.Uploads;
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
        builder.Services.AddOptions<ContainerOptions>().BindConfiguration(ContainerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<IDockerEngine, DockerEngine>();
        builder.Services.TryAddSingleton<IContainerRunner, DockerContainerRunner>();
        builder.Services.TryAddSingleton(new NodeIdentity(
            builder.Configuration[$"{WorkersOptions.SectionName}:NodeId"] is { Length: > 0 } nodeId ? nodeId : $"{Environment.MachineName}-{Environment.ProcessId}"));
        builder.Services.TryAddSingleton<ComponentJobStore>();
        builder.Services.TryAddSingleton<IComponentJobIo, SocketJobIo>();
        builder.Services.TryAddSingleton<ComponentJobExecutor>();
        builder.Services.TryAddSingleton<ComponentJobQueue>();
        builder.Services.TryAddSingleton<IComponentJobQueue>(sp => sp.GetRequiredService<ComponentJobQueue>());
        builder.Services.TryAddSingleton<ComponentJobSweeper>();
        builder.Services.AddUploadServices();
        builder.Services.TryAddSingleton<IContainerImageJobs, QuartzContainerImageJobs>();
        builder.Services.TryAddSingleton<ContainerImageImporter>();
        builder.Services.TryAddSingleton<ContainerImageCleaner>();
        builder.Services.TryAddSingleton<IImageImportJobs, QuartzImageImportJobs>();

        var workers = builder.Configuration.GetSection(WorkersOptions.SectionName).Get<WorkersOptions>() ?? new WorkersOptions();
        var database = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = DataServiceCollectionExtensions.ResolveConnectionString(
            database.Provider, builder.Configuration.GetConnectionString("Default"),
            DataDirectory.FromEnvironment(builder.Configuration["DataDirectory"]));

        if (runScheduler && workers.WebUrl is { Length: > 0 })
        {
            // A separate Workers process: the pages that listen live in the web host, so updates go there too.
            builder.Services.AddSingleton<ChangeNotifier>();
            builder.Services.AddSingleton<ForwardingChangeNotifier>();
            builder.Services.AddSingleton<IChangeNotifier>(sp => sp.GetRequiredService<ForwardingChangeNotifier>());
            builder.Services.AddHostedService<WorkerEventsForwarder>();
        }

        var instance = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{database.Provider}|{connectionString}")))[..16];
        builder.Services.PostConfigure<ContainerOptions>(o => o.Instance ??= instance);

        builder.Services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = "GrandChallenge";
                // On shutdown running jobs are told to stop waiting; their firings are handed back for recovery,
                // and their containers keep running for the next start to pick up.
                o.ShutdownJobInterruption = ShutdownJobInterruption.Always;
                if (database.Provider != DatabaseProvider.Sqlite)
                {
                    o.InstanceId = workers.NodeId is { Length: > 0 } id ? id : $"{Environment.MachineName}-{Environment.ProcessId}";
                }
            });
            // The container slots are a semaphore in the executor; the extra threads keep maintenance jobs moving.
            q.UseDefaultThreadPool(maxConcurrency: workers.Slots + 4);
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
                store.ConfigureStore(o => o.RecoverFiringsCancelledByShutdown = true);
            });

            q.AddJob<RunComponentJobJob>(j => j.WithIdentity(RunComponentJobJob.Key).StoreDurably().RequestRecovery());
            q.AddJob<SweepComponentJobsJob>(j => j.WithIdentity(SweepComponentJobsJob.Key).StoreDurably());
            q.AddTrigger(t => t
                .ForJob(SweepComponentJobsJob.Key)
                .WithIdentity("sweep-component-jobs", "components")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(30)).RepeatForever()));

            q.AddJob<Algorithms.ReconcileAlgorithmJobsJob>(j => j.WithIdentity(Algorithms.ReconcileAlgorithmJobsJob.Key).StoreDurably());
            q.AddTrigger(t => t
                .ForJob(Algorithms.ReconcileAlgorithmJobsJob.Key)
                .WithIdentity("reconcile-algorithm-jobs", "algorithms")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(30)).RepeatForever()));

            q.AddJob<PurgeApiTokensJob>(j => j.WithIdentity(PurgeApiTokensJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t
                .ForJob(PurgeApiTokensJob.Key)
                .WithIdentity("purge-api-tokens-hourly", "maintenance")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));

            q.AddJob<ExpireUploadsJob>(j => j.WithIdentity(ExpireUploadsJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t
                .ForJob(ExpireUploadsJob.Key)
                .WithIdentity("expire-uploads-hourly", "maintenance")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
            q.AddJob<ImportImagesJob>(j => j.WithIdentity(ImportImagesJob.Key).StoreDurably().RequestRecovery());
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

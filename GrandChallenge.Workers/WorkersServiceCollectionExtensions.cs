using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Workers.Containers;
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
        builder.Services.TryAddSingleton<IDockerEngine, DockerEngine>();
        builder.Services.AddUploadServices();

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

            q.AddJob<ExpireUploadsJob>(j => j.WithIdentity(ExpireUploadsJob.Key).StoreDurably().RequestRecovery());
            q.AddTrigger(t => t
                .ForJob(ExpireUploadsJob.Key)
                .WithIdentity("expire-uploads-hourly", "maintenance")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
        });

        if (runScheduler)
        {
            builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        }

        return builder;
    }
}

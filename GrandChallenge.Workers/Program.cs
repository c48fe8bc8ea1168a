using GrandChallenge.Domain.Data;

namespace GrandChallenge.Workers;

/// <summary>A worker node on its own: the same jobs the web host runs in-process, against a shared database.</summary>
public static class WorkerProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddGrandChallengeDomain();
        builder.AddGrandChallengeWorkers(runScheduler: true);
        using var host = builder.Build();
        await host.Services.MigrateDatabaseAsync();
        await host.RunAsync();
    }
}

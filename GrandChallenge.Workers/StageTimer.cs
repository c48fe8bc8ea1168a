using System.Diagnostics;

namespace GrandChallenge.Workers;

/// <summary>
/// Debug timings of one job's stages, for profiling the per-job fixed cost (bench/algorithm-phase.sh): each lap logs the
/// time since the previous one. Costs nothing unless Debug logging is on for the caller's category.
/// </summary>
internal sealed class StageTimer(ILogger logger, string jobId)
{
    private long _last = Stopwatch.GetTimestamp();

    public void Lap(string stage)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        logger.LogDebug("Job {Job} stage {Stage} took {Milliseconds:F1} ms", jobId, stage, Stopwatch.GetElapsedTime(_last, now).TotalMilliseconds);
        _last = now;
    }
}

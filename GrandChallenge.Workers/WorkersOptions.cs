using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Workers;

/// <summary>Section <c>Workers</c>: where jobs run and how many at once.</summary>
public sealed class WorkersOptions
{
    public const string SectionName = "Workers";

    /// <summary>Run the scheduler inside the web host (single machine). Off when separate Workers processes run the jobs.</summary>
    public bool InProcess { get; set; } = true;

    /// <summary>Containers this node runs at once.</summary>
    [Range(1, 256)]
    public int Slots { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Jobs one user may have running at once across all nodes; more wait their turn.</summary>
    [Range(1, 1000)]
    public int MaxRunningJobsPerUser { get; set; } = 4;

    /// <summary>CPU quota of each job container, in cores.</summary>
    [Range(0.1, 64)]
    public double CpusPerJob { get; set; } = 1;

    /// <summary>
    /// Seconds before a job whose run the engine or the disk failed is tried again; the n-th retry waits n times as long.
    /// After <c>ComponentJobExecutor.MaxInfrastructureAttempts</c> attempts the job fails.
    /// </summary>
    [Range(0, 3600)]
    public int RetryDelaySeconds { get; set; } = 10;

    /// <summary>Cap on what one container may write to /output.</summary>
    [Range(1L << 20, 1L << 40)]
    public long MaxOutputBytes { get; set; } = 1L << 30;

    /// <summary>
    /// For a separate Workers process: the web host's address (e.g. <c>http://127.0.0.1:5000</c>). Live updates
    /// (job statuses, log lines, import statuses) are forwarded to its pages over SignalR.
    /// </summary>
    public string? WebUrl { get; set; }

    /// <summary>Shared secret between the web host and its worker processes for forwarding live updates.</summary>
    public string? EventsKey { get; set; }

    /// <summary>Name of this node in a cluster; generated when empty.</summary>
    public string? NodeId { get; set; }
}

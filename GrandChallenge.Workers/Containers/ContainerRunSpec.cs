namespace GrandChallenge.Workers.Containers;

/// <summary>
/// One container run under the platform's isolation baseline (DESIGN, "Isolation baseline"): the image, its
/// read-only <c>/input</c>, a fresh <c>/output</c>, optional read-only extra mounts such as
/// <c>/opt/ml/model</c>, and the limits.
/// </summary>
public sealed record ContainerRunSpec
{
    /// <summary>Image id (<c>sha256:…</c>) or tag, already present in the engine.</summary>
    public required string Image { get; init; }

    /// <summary>Names the container (<c>gc-job-&lt;id&gt;</c>) and labels it so a restarted worker can find it again.</summary>
    public required string JobId { get; init; }

    /// <summary>Host folder mounted read-only at <c>/input</c>.</summary>
    public required string InputDirectory { get; init; }

    /// <summary>Host folder mounted at <c>/output</c>; the runner empties it first.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Further read-only mounts: host path → container path.</summary>
    public IReadOnlyDictionary<string, string> ReadOnlyMounts { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromHours(1);

    public long MemoryBytes { get; init; } = 8L << 30;

    public double Cpus { get; init; } = 1;

    public long PidsLimit { get; init; } = 128;

    /// <summary><c>runc</c> or <c>runsc</c> (gVisor).</summary>
    public string Runtime { get; init; } = "runc";

    public long MaxOutputBytes { get; init; } = 1L << 30;

    /// <summary>Size of the writable tmpfs at <c>/tmp</c>; it counts towards the memory limit.</summary>
    public long TmpBytes { get; init; } = 1L << 30;
}

public enum LogSource
{
    Stdout,
    Stderr,
}

public sealed record LogLine(DateTimeOffset Timestamp, LogSource Source, string Text)
{
    public override string ToString() => $"{Timestamp:O} {Text}";
}

/// <summary>A regular file the container wrote under <c>/output</c>, relative to it.</summary>
public sealed record OutputFile(string RelativePath, long Size);

/// <summary>What happened to a run. <see cref="FailureMessage"/> is what users are told, or null on success.</summary>
public sealed record ContainerRunResult
{
    public int? ExitCode { get; init; }
    public bool OomKilled { get; init; }
    public bool TimedOut { get; init; }
    public bool Cancelled { get; init; }
    /// <summary>The platform killed the container because it wrote more than its output cap.</summary>
    public bool OutputLimitExceeded { get; init; }
    public TimeSpan Duration { get; init; }
    public long? PeakMemoryBytes { get; init; }
    public TimeSpan? CpuTime { get; init; }
    public IReadOnlyList<LogLine> Stdout { get; init; } = [];
    public IReadOnlyList<LogLine> Stderr { get; init; } = [];
    public IReadOnlyList<OutputFile> Outputs { get; init; } = [];

    /// <summary>A problem the platform found (outputs, limits), as opposed to the container's own exit.</summary>
    public string? PlatformError { get; init; }

    public bool Succeeded => FailureMessage is null && !Cancelled;

    public string? FailureMessage =>
        Cancelled ? "The job was cancelled."
        : TimedOut ? "Time limit exceeded"
        : OutputLimitExceeded ? PlatformError
        : OomKilled || ExitCode == 137 ? "The container was killed as it exceeded its memory limit"
        : ExitCode is int code && code != 0 ? LastErrorLine()
        : PlatformError;

    private string LastErrorLine() =>
        Stderr.Select(l => l.Text.Trim()).LastOrDefault(t => t.Length > 0)
        ?? $"The container exited with code {ExitCode}; no errors were reported in the logs.";
}

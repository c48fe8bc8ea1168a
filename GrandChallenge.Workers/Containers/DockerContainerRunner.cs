using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Containers;

/// <summary>
/// <see cref="IContainerRunner"/> on a Docker engine: no network, memory = memory+swap, CPU quota, pids limit,
/// all capabilities dropped, no-new-privileges, an init process, read-only root with a tmpfs <c>/tmp</c>,
/// read-only <c>/input</c>, capped logs, labels on everything, SIGTERM then SIGKILL at the time limit.
/// </summary>
public sealed class DockerContainerRunner(IDockerEngine engine, IOptions<ContainerOptions> options, TimeProvider clock, ILogger<DockerContainerRunner> logger)
    : IContainerRunner
{
    public const string ManagedLabel = "org.grandchallenge.managed";
    public const string JobLabel = "org.grandchallenge.job";
    public const string InstanceLabel = "org.grandchallenge.instance";

    private string Instance => options.Value.Instance ?? "default";
    public const int KeptLogLines = 500;

    private static readonly TimeSpan OutputPollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StreamsGrace = TimeSpan.FromMilliseconds(100);

    private DockerClient Docker => engine.Client;

    public static string ContainerName(string jobId) => $"gc-job-{jobId}";

    public async Task<ContainerRunResult> RunAsync(ContainerRunSpec spec, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default)
    {
        var timer = new StageTimer(logger, spec.JobId);
        PrepareOutputDirectory(spec.OutputDirectory);

        // A cancellation (ct) asked for while the container is created or started must not abort those calls half-way:
        // that surfaced as an unexpected error (job Failed) instead of Cancelled. Supervision sees ct and stops it.
        var created = await CreateAsync(spec, abandon);
        timer.Lap("engine: create");
        try
        {
            var started = clock.GetUtcNow();
            await Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), abandon);
            timer.Lap("engine: start");
            return await SuperviseAsync(created.ID, spec, started, logs, ct, abandon, timer);
        }
        finally
        {
            if (!abandon.IsCancellationRequested)
            {
                await RemoveQuietlyAsync(created.ID);
                timer.Lap("engine: remove");
            }
        }
    }

    public async Task<ContainerRunResult?> ResumeAsync(ContainerRunSpec spec, DateTimeOffset startedAt, Action<LogLine>? logs = null, CancellationToken ct = default, CancellationToken abandon = default)
    {
        ContainerInspectResponse container;
        try
        {
            container = await Docker.Containers.InspectContainerAsync(ContainerName(spec.JobId), ct);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }

        try
        {
            if (container.State.Status == "created")
            {
                await Docker.Containers.StartContainerAsync(container.ID, new ContainerStartParameters(), abandon);
            }

            return await SuperviseAsync(container.ID, spec, startedAt, logs, ct, abandon, new StageTimer(logger, spec.JobId));
        }
        finally
        {
            if (!abandon.IsCancellationRequested)
            {
                await RemoveQuietlyAsync(container.ID);
            }
        }
    }

    public async Task<int> RemoveOrphansAsync(Func<string, Task<bool>> isActive, CancellationToken ct = default)
    {
        var containers = await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ManagedLabel}=true"] = true, [$"{InstanceLabel}={Instance}"] = true },
            },
        }, ct);

        var removed = 0;
        foreach (var container in containers)
        {
            var job = container.Labels.TryGetValue(JobLabel, out var value) ? value : "";
            if (!await isActive(job))
            {
                logger.LogWarning("Removing orphaned container {Container} of job {Job}", container.ID[..12], job);
                await RemoveQuietlyAsync(container.ID);
                removed++;
            }
        }

        return removed;
    }

    private CreateContainerParameters CreateParameters(ContainerRunSpec spec)
    {
        var binds = new List<string> { $"{spec.InputDirectory}:/input:ro", $"{spec.OutputDirectory}:/output:rw" };
        binds.AddRange(spec.ReadOnlyMounts.Select(m => $"{m.Key}:{m.Value}:ro"));
        return new CreateContainerParameters
        {
            Name = ContainerName(spec.JobId),
            Image = spec.Image,
            Env = spec.Environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            Labels = new Dictionary<string, string> { [ManagedLabel] = "true", [InstanceLabel] = Instance, [JobLabel] = spec.JobId },
            NetworkDisabled = true,
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                Runtime = spec.Runtime,
                Memory = spec.MemoryBytes,
                MemorySwap = spec.MemoryBytes,
                NanoCPUs = (long)(spec.Cpus * 1_000_000_000),
                PidsLimit = spec.PidsLimit,
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                Init = true,
                ReadonlyRootfs = true,
                IpcMode = "private",
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = $"rw,nosuid,nodev,size={spec.TmpBytes}" },
                Binds = binds,
                LogConfig = new LogConfig { Type = "json-file", Config = new Dictionary<string, string> { ["max-size"] = options.Value.LogMaxSize, ["max-file"] = "1" } },
            },
        };
    }

    private async Task<ContainerRunResult> SuperviseAsync(
        string id, ContainerRunSpec spec, DateTimeOffset startedAt, Action<LogLine>? logs, CancellationToken ct, CancellationToken abandon, StageTimer timer)
    {
        using var stopFollowing = new CancellationTokenSource();
        var collector = new LogCollector(logs);
        var stats = new StatsTracker();
        var logTask = FollowLogsAsync(id, collector, stopFollowing.Token);
        var statsTask = FollowStatsAsync(id, stats, stopFollowing.Token);
        var outputTooLarge = false;
        var outputWatch = WatchOutputAsync(spec, () => outputTooLarge = true, id, stopFollowing.Token);

        var remaining = spec.TimeLimit - (clock.GetUtcNow() - startedAt);
        using var timeout = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, ct, abandon);
        bool timedOut = false, cancelled = false;
        try
        {
            await Docker.Containers.WaitContainerAsync(id, linked.Token);
            timer.Lap("engine: wait for the exit");
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            await stopFollowing.CancelAsync();
            throw;
        }
        catch (OperationCanceledException)
        {
            cancelled = ct.IsCancellationRequested;
            timedOut = !cancelled;
            await Docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)options.Value.StopGraceSeconds }, CancellationToken.None);
        }

        ContainerState state;
        try
        {
            state = (await Docker.Containers.InspectContainerAsync(id, CancellationToken.None)).State;
            timer.Lap("engine: inspect");
        }
        catch (DockerContainerNotFoundException)
        {
            await stopFollowing.CancelAsync();
            return new ContainerRunResult { Cancelled = cancelled, TimedOut = timedOut, PlatformError = "The container was removed while it ran.", ExitCode = null };
        }

        // The log stream ends with the container; stats and the output watch are stopped here.
        await Task.WhenAny(logTask, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        timer.Lap("engine: end of the log stream");
        await stopFollowing.CancelAsync();
        // The engine may keep a stats stream open for a stopped container and the client does not always notice the
        // cancellation until the next sample, a second later; it ends when the container is removed. A sample of an
        // exited container adds nothing (its usage reads zero), so it is not waited for beyond a moment.
        await Task.WhenAny(Task.WhenAll(statsTask, outputWatch), Task.Delay(StreamsGrace, CancellationToken.None));
        timer.Lap("engine: end of the stats stream and output watch");

        var result = new ContainerRunResult
        {
            ExitCode = (int)state.ExitCode,
            OomKilled = state.OOMKilled,
            TimedOut = timedOut,
            Cancelled = cancelled,
            Duration = Duration(state, startedAt),
            PeakMemoryBytes = stats.PeakMemory,
            CpuTime = stats.CpuTime,
            Stdout = collector.Lines(LogSource.Stdout),
            Stderr = collector.Lines(LogSource.Stderr),
        };

        if (outputTooLarge)
        {
            return result with { OutputLimitExceeded = true, PlatformError = $"The container wrote more than {spec.MaxOutputBytes / (1 << 20)} MB to /output." };
        }

        if (result.ExitCode != 0 || timedOut || cancelled)
        {
            return result;
        }

        var (outputs, error) = CollectOutputs(spec.OutputDirectory, spec.MaxOutputBytes);
        timer.Lap("collect outputs");
        return result with { Outputs = outputs, PlatformError = error };
    }

    private TimeSpan Duration(ContainerState state, DateTimeOffset startedAt)
    {
        var started = DateTimeOffset.TryParse(state.StartedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var s) ? s : startedAt;
        var finished = DateTimeOffset.TryParse(state.FinishedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var f) && f > started ? f : clock.GetUtcNow();
        return finished - started;
    }

    private async Task FollowLogsAsync(string id, LogCollector collector, CancellationToken ct)
    {
        try
        {
            using var stream = await Docker.Containers.GetContainerLogsAsync(id, false,
                new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true, Timestamps = true }, ct);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
                if (read.EOF)
                {
                    break;
                }

                collector.Add(read.Target == MultiplexedStream.TargetStream.StandardError ? LogSource.Stderr : LogSource.Stdout, buffer, read.Count);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or DockerApiException)
        {
            // The container is gone or we stopped following: what was read is kept.
        }
        finally
        {
            collector.Flush();
        }
    }

    private async Task FollowStatsAsync(string id, StatsTracker stats, CancellationToken ct)
    {
        try
        {
            await Docker.Containers.GetContainerStatsAsync(id, new ContainerStatsParameters { Stream = true }, new SyncProgress<ContainerStatsResponse>(stats.Add), ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or DockerApiException or HttpRequestException or ObjectDisposedException)
        {
            // Stats end with the container.
        }
    }

    private async Task WatchOutputAsync(ContainerRunSpec spec, Action onTooLarge, string id, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(OutputPollInterval, ct);
                if (DirectorySize(spec.OutputDirectory) > spec.MaxOutputBytes)
                {
                    onTooLarge();
                    await Docker.Containers.KillContainerAsync(id, new ContainerKillParameters(), CancellationToken.None);
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or DockerApiException or IOException)
        {
        }
    }

    private static long DirectorySize(string path) =>
        new DirectoryInfo(path).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true })
            .Sum(f => f.Length);

    /// <summary>Every regular file under the output folder; symbolic links and special files are refused.</summary>
    public static (IReadOnlyList<OutputFile> Files, string? Error) CollectOutputs(string root, long maxBytes)
    {
        var files = new List<OutputFile>();
        long total = 0;
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(root, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null)
                {
                    return ([], $"The output '{relative}' is a symbolic link; outputs must be regular files.");
                }

                if (entry is DirectoryInfo directory)
                {
                    pending.Push(directory);
                    continue;
                }

                if ((entry.Attributes & (FileAttributes.Device | FileAttributes.System)) != 0 || entry is not FileInfo file)
                {
                    return ([], $"The output '{relative}' is not a regular file.");
                }

                total += file.Length;
                if (total > maxBytes)
                {
                    return ([], $"The container wrote more than {maxBytes / (1 << 20)} MB to /output.");
                }

                files.Add(new OutputFile(relative, file.Length));
            }
        }

        return (files.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList(), null);
    }

    private static void PrepareOutputDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        // The container's non-root user must be able to write here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)0b111_111_111);
        }
    }

    /// <summary>Creates the job's container; a leftover of an earlier attempt under its name is removed first (rare, so only on a name conflict).</summary>
    private async Task<CreateContainerResponse> CreateAsync(ContainerRunSpec spec, CancellationToken abandon)
    {
        try
        {
            return await Docker.Containers.CreateContainerAsync(CreateParameters(spec), abandon);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            await RemoveIfPresentAsync(ContainerName(spec.JobId));
            return await Docker.Containers.CreateContainerAsync(CreateParameters(spec), abandon);
        }
    }

    private async Task RemoveIfPresentAsync(string name)
    {
        try
        {
            await Docker.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
        }
        catch (DockerContainerNotFoundException)
        {
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await Docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            // The sweeper removes labelled leftovers.
            logger.LogWarning(e, "Could not remove container {Container}", id);
        }
    }

    /// <summary>Keeps the last <see cref="KeptLogLines"/> lines of each stream and passes each line on as it completes.</summary>
    private sealed class LogCollector(Action<LogLine>? onLine)
    {
        private readonly Dictionary<LogSource, Queue<LogLine>> _lines = new() { [LogSource.Stdout] = new(), [LogSource.Stderr] = new() };
        private readonly Dictionary<LogSource, StringBuilder> _partial = new() { [LogSource.Stdout] = new(), [LogSource.Stderr] = new() };
        private readonly Lock _gate = new();

        public void Add(LogSource source, byte[] buffer, int count)
        {
            var text = Encoding.UTF8.GetString(buffer, 0, count);
            lock (_gate)
            {
                var partial = _partial[source];
                foreach (var ch in text)
                {
                    if (ch == '\n')
                    {
                        Complete(source, partial.ToString());
                        partial.Clear();
                    }
                    else if (partial.Length < 64 * 1024)
                    {
                        partial.Append(ch);
                    }
                }
            }
        }

        public void Flush()
        {
            lock (_gate)
            {
                foreach (var (source, partial) in _partial)
                {
                    if (partial.Length > 0)
                    {
                        Complete(source, partial.ToString());
                        partial.Clear();
                    }
                }
            }
        }

        public IReadOnlyList<LogLine> Lines(LogSource source)
        {
            lock (_gate)
            {
                return _lines[source].ToList();
            }
        }

        private void Complete(LogSource source, string raw)
        {
            // With timestamps on, Docker prefixes each line with an RFC 3339 time and a space.
            var space = raw.IndexOf(' ');
            var line = space > 0 && DateTimeOffset.TryParse(raw[..space], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time)
                ? new LogLine(time, source, raw[(space + 1)..].TrimEnd('\r').Replace("\0", ""))
                : new LogLine(DateTimeOffset.UtcNow, source, raw.TrimEnd('\r').Replace("\0", ""));
            var queue = _lines[source];
            queue.Enqueue(line);
            if (queue.Count > KeptLogLines)
            {
                queue.Dequeue();
            }

            onLine?.Invoke(line);
        }
    }

    private sealed class StatsTracker
    {
        private long _peak;
        private ulong _cpu;

        public long? PeakMemory => _peak > 0 ? _peak : null;

        public TimeSpan? CpuTime => _cpu > 0 ? TimeSpan.FromTicks((long)(_cpu / 100)) : null;

        public void Add(ContainerStatsResponse stats)
        {
            var memory = (long)Math.Max(stats.MemoryStats?.MaxUsage ?? 0, stats.MemoryStats?.Usage ?? 0);
            _peak = Math.Max(_peak, memory);
            _cpu = Math.Max(_cpu, stats.CPUStats?.CPUUsage?.TotalUsage ?? 0);
        }
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so nothing is lost at the end.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

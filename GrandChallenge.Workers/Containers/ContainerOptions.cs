using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Workers.Containers;

/// <summary>Section <c>Containers</c>: how job containers run.</summary>
public sealed class ContainerOptions
{
    public const string SectionName = "Containers";

    /// <summary>Seconds between SIGTERM and SIGKILL when a container must stop.</summary>
    [Range(0, 300)]
    public int StopGraceSeconds { get; set; } = 5;

    /// <summary>Docker's json-file log cap per container.</summary>
    [Required]
    public string LogMaxSize { get; set; } = "20m";

    /// <summary>Where job folders (input, output) live while a job runs; defaults to <c>&lt;data&gt;/work</c>.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>The runtime per kind of job, e.g. <c>{"Evaluation": "runsc"}</c>; kinds not listed use <see cref="DefaultRuntime"/>.</summary>
    public Dictionary<string, string> Runtimes { get; set; } = [];

    [RegularExpression("^(runc|runsc)$", ErrorMessage = "Containers:DefaultRuntime must be runc or runsc.")]
    public string DefaultRuntime { get; set; } = "runc";

    /// <summary>
    /// Labels this platform's containers so that its clean-up never touches another platform's on a shared engine.
    /// Defaults to a hash of the database it uses: every node of one platform shares it, across restarts.
    /// </summary>
    public string? Instance { get; set; }

    public string RuntimeFor(string kind) => Runtimes.TryGetValue(kind, out var runtime) ? runtime : DefaultRuntime;
}

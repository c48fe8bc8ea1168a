using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Workers.Containers;

/// <summary>How the workers reach the Docker engine (section <c>Docker</c>).</summary>
public sealed class DockerOptions
{
    public const string SectionName = "Docker";

    /// <summary>Engine endpoint, <c>unix:///var/run/docker.sock</c> by default.</summary>
    [Required]
    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>How long a call to the engine may take before the engine counts as unreachable.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 10;
}

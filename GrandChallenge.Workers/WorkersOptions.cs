using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Workers;

/// <summary>Section <c>Workers</c>: where jobs run and how many at once.</summary>
public sealed class WorkersOptions
{
    public const string SectionName = "Workers";

    /// <summary>Run the scheduler inside the web host (single machine). Off when separate Workers processes run the jobs.</summary>
    public bool InProcess { get; set; } = true;

    /// <summary>Jobs this node runs at once.</summary>
    [Range(1, 256)]
    public int Slots { get; set; } = 4;

    /// <summary>Name of this node in a cluster; generated when empty.</summary>
    public string? NodeId { get; set; }
}

using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

public class Challenge : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    /// <summary>URL slug, unique, lower case.</summary>
    public required string ShortName { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public string? ContactEmail { get; set; }
    /// <summary>A hidden challenge is invisible to everyone but its admins and participants.</summary>
    public bool Hidden { get; set; }
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

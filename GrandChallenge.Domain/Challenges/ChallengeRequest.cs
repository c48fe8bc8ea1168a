using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

public enum RequestStatus
{
    Pending,
    Accepted,
    Rejected,
}

/// <summary>A user's request for a new challenge; a site admin accepts it (or it is accepted at once when configured so).</summary>
public class ChallengeRequest : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string ShortName { get; set; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public string? ContactEmail { get; set; }
    public Guid CreatorId { get; set; }
    public RequestStatus Status { get; set; } = RequestStatus.Pending;
    /// <summary>Why it was rejected, shown to the requester.</summary>
    public string ReviewNote { get; set; } = "";
    /// <summary>The challenge made from the request once accepted.</summary>
    public Guid? ChallengeId { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

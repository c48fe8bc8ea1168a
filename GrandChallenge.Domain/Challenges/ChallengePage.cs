using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

/// <summary>Who may read a challenge page.</summary>
public enum PageVisibility
{
    Everyone,
    RegisteredUsers,
    Participants,
    Admins,
}

/// <summary>A markdown page of a challenge; the first by <see cref="Order"/> is the challenge's home page.</summary>
public class ChallengePage : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ChallengeId { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public string ContentMarkdown { get; set; } = "";
    public PageVisibility Visibility { get; set; } = PageVisibility.Everyone;
    public int Order { get; set; }
    /// <summary>Left out of the challenge's menu but still reachable by its address.</summary>
    public bool Hidden { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

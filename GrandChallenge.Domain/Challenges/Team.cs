using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A team of participants of one challenge; a user belongs to at most one team per challenge.</summary>
public class Team : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ChallengeId { get; set; }
    public required string Name { get; set; }
    public string Department { get; set; } = "";
    public string Institution { get; set; } = "";
    public string Website { get; set; } = "";
    public Guid OwnerId { get; set; }
    public List<TeamMember> Members { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>A member of a team; unique per (challenge, user).</summary>
public class TeamMember
{
    public Guid TeamId { get; set; }
    public Guid UserId { get; set; }
    /// <summary>Copied from the team so the database keeps one team per user and challenge.</summary>
    public Guid ChallengeId { get; set; }
    public DateTimeOffset Created { get; set; }
}

/// <summary>An invitation to join a team, pending until the invited user accepts or declines it.</summary>
public class TeamInvitation
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public Guid UserId { get; set; }
    public Guid InvitedById { get; set; }
    public DateTimeOffset Created { get; set; }
}

using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Identity;

/// <summary>A personal API token. Only its SHA-256 hash is stored; the plain value is shown once.</summary>
public class ApiToken : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public ApplicationUser? User { get; set; }
    public required string Name { get; set; }
    public required string TokenHash { get; set; }
    /// <summary>First characters of the token, enough to recognise it in a list.</summary>
    public required string Prefix { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

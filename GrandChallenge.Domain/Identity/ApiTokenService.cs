using System.Security.Cryptography;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Identity;

public sealed record ApiTokenInfo(Guid Id, string Name, string Prefix, DateTimeOffset Created, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedApiToken(ApiTokenInfo Info, string Token);

public interface IApiTokenService
{
    Task<Result<CreatedApiToken>> CreateAsync(Guid userId, string name, int? expiresInDays, CancellationToken ct = default);
    Task<IReadOnlyList<ApiTokenInfo>> ListAsync(Guid userId, CancellationToken ct = default);
    Task<bool> RevokeAsync(Guid userId, Guid tokenId, CancellationToken ct = default);
    /// <summary>The user id the token belongs to, when the token is known, not revoked and not expired.</summary>
    Task<Guid?> AuthenticateAsync(string token, CancellationToken ct = default);
}

public sealed class ApiTokenService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider clock) : IApiTokenService
{
    public const int MaxExpiryDays = 3650;
    private const int PrefixLength = 8;

    public async Task<Result<CreatedApiToken>> CreateAsync(Guid userId, string name, int? expiresInDays, CancellationToken ct = default)
    {
        name = name.Trim();
        if (name.Length is 0 or > 100)
        {
            return Result<CreatedApiToken>.Invalid("name", "Give the token a name of 1 to 100 characters.");
        }

        if (expiresInDays is < 1 or > MaxExpiryDays)
        {
            return Result<CreatedApiToken>.Invalid("expires_days", $"Expiry must be between 1 and {MaxExpiryDays} days, or empty for none.");
        }

        // 32 random bytes as 64 hex characters: the shape grand-challenge.org's clients expect.
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var entity = new ApiToken
        {
            UserId = userId,
            Name = name,
            TokenHash = Hash(token),
            Prefix = token[..PrefixLength],
            ExpiresAt = expiresInDays is { } days ? clock.GetUtcNow().AddDays(days) : null,
        };

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!await db.Users.AnyAsync(u => u.Id == userId, ct))
        {
            return Result<CreatedApiToken>.Fail("No such user.");
        }

        db.ApiTokens.Add(entity);
        await db.SaveChangesAsync(ct);
        return Result<CreatedApiToken>.Ok(new CreatedApiToken(ToInfo(entity), token));
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).ToListAsync(ct);
        return tokens.OrderByDescending(t => t.Created).Select(ToInfo).ToList();
    }

    public async Task<bool> RevokeAsync(Guid userId, Guid tokenId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, ct);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<Guid?> AuthenticateAsync(string token, CancellationToken ct = default)
    {
        if (token.Length != 64)
        {
            return null;
        }

        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var entity = await db.ApiTokens.SingleOrDefaultAsync(t => t.TokenHash == hash, ct);
        var now = clock.GetUtcNow();
        if (entity is null || !entity.IsActive(now))
        {
            return null;
        }

        // Recording every use would write on every request; once a minute is enough to show activity.
        if (entity.LastUsedAt is null || now - entity.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            entity.LastUsedAt = now;
            await db.SaveChangesAsync(ct);
        }

        return entity.UserId;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    private static ApiTokenInfo ToInfo(ApiToken t) => new(t.Id, t.Name, t.Prefix, t.Created, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);
}

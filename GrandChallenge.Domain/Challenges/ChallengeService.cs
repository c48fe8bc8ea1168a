using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A new challenge as a site admin describes it. Field errors are named in snake_case (<c>short_name</c>, …).</summary>
public sealed record NewChallenge(
    string? ShortName,
    string? Title,
    string? Description = null,
    string? ContactEmail = null,
    bool Hidden = true,
    DateTimeOffset? StartsAt = null,
    DateTimeOffset? EndsAt = null,
    RegistrationHandling RegistrationHandling = RegistrationHandling.ManualReview);

/// <summary>Everything a challenge admin may change; the short name stays (it is the challenge's address).</summary>
public sealed record ChallengeSettings(
    string? Title,
    string? Description,
    string? ContactEmail,
    bool Hidden,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    RegistrationHandling RegistrationHandling)
{
    public static ChallengeSettings Of(Challenge c) => new(c.Title, c.Description, c.ContactEmail, c.Hidden, c.StartsAt, c.EndsAt, c.RegistrationHandling);
}

public enum ChallengeImageKind
{
    Logo,
    Banner,
}

/// <summary>A user with a role in a challenge.</summary>
public sealed record ChallengeMember(Guid UserId, string Username, string Email, bool EmailConfirmed);

public interface IChallengeService
{
    Task<Result<Challenge>> CreateAsync(Actor actor, NewChallenge draft, CancellationToken ct = default);
    Task<Result<Challenge>> UpdateAsync(Actor actor, Guid challengeId, ChallengeSettings settings, CancellationToken ct = default);
    Task<Result<Challenge>> SetImageAsync(Actor actor, Guid challengeId, ChallengeImageKind kind, Stream content, CancellationToken ct = default);
    Task<Result<Challenge>> RemoveImageAsync(Actor actor, Guid challengeId, ChallengeImageKind kind, CancellationToken ct = default);
    /// <summary>The logo or banner, when the challenge is visible to the actor and has one.</summary>
    Task<Picture?> OpenImageAsync(Actor actor, string shortName, ChallengeImageKind kind, CancellationToken ct = default);
    Task<IReadOnlyList<ChallengeMember>> AdminsAsync(Guid challengeId, CancellationToken ct = default);
    Task<IReadOnlyList<ChallengeMember>> ParticipantsAsync(Guid challengeId, CancellationToken ct = default);
    Task<Result<ChallengeMember>> AddAdminAsync(Actor actor, Guid challengeId, string? username, CancellationToken ct = default);
    Task<Result<bool>> RemoveAdminAsync(Actor actor, Guid challengeId, Guid userId, CancellationToken ct = default);
}

public sealed class ChallengeService(
    IDbContextFactory<AppDbContext> dbFactory,
    IChallengeAccess access,
    IBlobStore blobs,
    IChangeNotifier notifier,
    INotificationService notifications,
    IOptions<ChallengesOptions> options) : IChallengeService
{
    public const string NotFoundMessage = "No such challenge, or it is hidden from you.";
    public const string NotAdminMessage = "Only the challenge's admins may do that.";

    public async Task<Result<Challenge>> CreateAsync(Actor actor, NewChallenge draft, CancellationToken ct = default)
    {
        if (!actor.IsSiteAdmin)
        {
            return Result<Challenge>.Forbidden("Only site admins create challenges directly; everyone else files a challenge request.");
        }

        var errors = new FieldErrors();
        var shortName = ChallengeRules.NormalizeShortName(draft.ShortName);
        var title = (draft.Title ?? "").Trim();
        var description = (draft.Description ?? "").Trim();
        var email = Blank(draft.ContactEmail);
        Check(errors, "short_name", ChallengeRules.CheckShortName(shortName));
        Check(errors, "title", ChallengeRules.CheckTitle(title));
        Check(errors, "description", ChallengeRules.CheckDescription(description));
        Check(errors, "contact_email", ChallengeRules.CheckEmail(email));
        Check(errors, "end_date", ChallengeRules.CheckDates(draft.StartsAt, draft.EndsAt));
        Check(errors, "access_request_handling", Enum.IsDefined(draft.RegistrationHandling) ? null : "Unknown registration handling.");

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!errors.Has("short_name") && await db.Challenges.AnyAsync(c => c.ShortName == shortName, ct))
        {
            errors.Add("short_name", TakenMessage(shortName));
        }

        if (errors.Any)
        {
            return errors.ToResult<Challenge>();
        }

        var challenge = new Challenge
        {
            ShortName = shortName,
            Title = title,
            Description = description,
            ContactEmail = email,
            Hidden = draft.Hidden,
            StartsAt = draft.StartsAt,
            EndsAt = draft.EndsAt,
            RegistrationHandling = draft.RegistrationHandling,
        };
        return await AddChallengeAsync(db, challenge, actor.UserId, ct);
    }

    /// <summary>
    /// Saves a new challenge with its default home page and its creator as admin, all at once; a short name taken
    /// meanwhile is reported, not thrown.
    /// </summary>
    internal static async Task<Result<Challenge>> AddChallengeAsync(AppDbContext db, Challenge challenge, Guid? creatorId, CancellationToken ct)
    {
        challenge.CreatorId = creatorId;
        db.Challenges.Add(challenge);
        db.ChallengePages.Add(new ChallengePage
        {
            ChallengeId = challenge.Id,
            Slug = "home",
            Title = "Home",
            ContentMarkdown = $"## {challenge.Title}\n\n{challenge.Description}".TrimEnd(),
            Order = 0,
        });
        if (creatorId is { } userId)
        {
            db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Challenge, ObjectId = challenge.Id, Role = ObjectRoles.Admin, UserId = userId });
        }

        try
        {
            await db.SaveChangesAsync(ct);
            return Result<Challenge>.Ok(challenge);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Challenges.AnyAsync(c => c.ShortName == challenge.ShortName, ct))
            {
                return Result<Challenge>.Invalid("short_name", TakenMessage(challenge.ShortName));
            }

            throw;
        }
    }

    internal static string TakenMessage(string shortName) => $"A challenge named '{shortName}' already exists.";

    public async Task<Result<Challenge>> UpdateAsync(Actor actor, Guid challengeId, ChallengeSettings settings, CancellationToken ct = default)
    {
        if (await AdminContextAsync(actor, challengeId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Challenge>();
        }

        var errors = new FieldErrors();
        var title = (settings.Title ?? "").Trim();
        var description = (settings.Description ?? "").Trim();
        var email = Blank(settings.ContactEmail);
        Check(errors, "title", ChallengeRules.CheckTitle(title));
        Check(errors, "description", ChallengeRules.CheckDescription(description));
        Check(errors, "contact_email", ChallengeRules.CheckEmail(email));
        Check(errors, "end_date", ChallengeRules.CheckDates(settings.StartsAt, settings.EndsAt));
        Check(errors, "access_request_handling", Enum.IsDefined(settings.RegistrationHandling) ? null : "Unknown registration handling.");
        if (errors.Any)
        {
            return errors.ToResult<Challenge>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var challenge = await db.Challenges.SingleAsync(c => c.Id == challengeId, ct);
        challenge.Title = title;
        challenge.Description = description;
        challenge.ContactEmail = email;
        challenge.Hidden = settings.Hidden;
        challenge.StartsAt = settings.StartsAt;
        challenge.EndsAt = settings.EndsAt;
        challenge.RegistrationHandling = settings.RegistrationHandling;
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(challengeId));
        return Result<Challenge>.Ok(challenge);
    }

    public async Task<Result<Challenge>> SetImageAsync(Actor actor, Guid challengeId, ChallengeImageKind kind, Stream content, CancellationToken ct = default)
    {
        if (await AdminContextAsync(actor, challengeId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Challenge>();
        }

        var field = kind == ChallengeImageKind.Logo ? "logo" : "banner";
        var stored = await Pictures.StoreAsync(blobs, content, options.Value.MaxImageBytes, field, $"challenges/{challengeId:N}/{field}", ct);
        if (!stored.Succeeded)
        {
            return stored.As<Challenge>();
        }

        var key = stored.Value!;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var challenge = await db.Challenges.SingleAsync(c => c.Id == challengeId, ct);
        var old = kind == ChallengeImageKind.Logo ? challenge.LogoBlobKey : challenge.BannerBlobKey;
        if (kind == ChallengeImageKind.Logo)
        {
            challenge.LogoBlobKey = key;
        }
        else
        {
            challenge.BannerBlobKey = key;
        }

        await db.SaveChangesAsync(ct);
        if (old is not null)
        {
            await blobs.DeleteAsync(old, ct);
        }

        notifier.Publish(ChallengeTopics.Challenge(challengeId));
        return Result<Challenge>.Ok(challenge);
    }

    public async Task<Result<Challenge>> RemoveImageAsync(Actor actor, Guid challengeId, ChallengeImageKind kind, CancellationToken ct = default)
    {
        if (await AdminContextAsync(actor, challengeId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Challenge>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var challenge = await db.Challenges.SingleAsync(c => c.Id == challengeId, ct);
        var old = kind == ChallengeImageKind.Logo ? challenge.LogoBlobKey : challenge.BannerBlobKey;
        if (kind == ChallengeImageKind.Logo)
        {
            challenge.LogoBlobKey = null;
        }
        else
        {
            challenge.BannerBlobKey = null;
        }

        await db.SaveChangesAsync(ct);
        if (old is not null)
        {
            await blobs.DeleteAsync(old, ct);
        }

        notifier.Publish(ChallengeTopics.Challenge(challengeId));
        return Result<Challenge>.Ok(challenge);
    }

    public async Task<Picture?> OpenImageAsync(Actor actor, string shortName, ChallengeImageKind kind, CancellationToken ct = default)
    {
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return null;
        }

        return Pictures.Open(blobs, kind == ChallengeImageKind.Logo ? context.Challenge.LogoBlobKey : context.Challenge.BannerBlobKey);
    }

    public Task<IReadOnlyList<ChallengeMember>> AdminsAsync(Guid challengeId, CancellationToken ct = default) =>
        MembersAsync(challengeId, ObjectRoles.Admin, ct);

    public Task<IReadOnlyList<ChallengeMember>> ParticipantsAsync(Guid challengeId, CancellationToken ct = default) =>
        MembersAsync(challengeId, ObjectRoles.Participant, ct);

    public async Task<Result<ChallengeMember>> AddAdminAsync(Actor actor, Guid challengeId, string? username, CancellationToken ct = default)
    {
        var admin = await AdminContextAsync(actor, challengeId, ct);
        if (!admin.Succeeded)
        {
            return admin.As<ChallengeMember>();
        }

        var context = admin.Value!;
        var name = (username ?? "").Trim();
        if (name.Length == 0)
        {
            return Result<ChallengeMember>.Invalid("username", "Give the username of the new admin.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var normalized = name.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null)
        {
            return Result<ChallengeMember>.Invalid("username", $"There is no user named '{name}'.");
        }

        var member = new ChallengeMember(user.Id, user.UserName!, user.Email ?? "", user.EmailConfirmed);
        var exists = await db.ObjectRoles.AnyAsync(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == challengeId
                                                         && r.Role == ObjectRoles.Admin && r.UserId == user.Id, ct);
        if (exists)
        {
            return Result<ChallengeMember>.Invalid("username", $"{user.UserName} is already an admin of this challenge.");
        }

        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Challenge, ObjectId = challengeId, Role = ObjectRoles.Admin, UserId = user.Id });
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(challengeId));
        await notifications.NotifyAsync([user.Id], $"You are now an admin of the challenge {context.Challenge.Title}.",
            $"/challenges/{context.Challenge.ShortName}/admin", ct);
        return Result<ChallengeMember>.Ok(member);
    }

    public async Task<Result<bool>> RemoveAdminAsync(Actor actor, Guid challengeId, Guid userId, CancellationToken ct = default)
    {
        if (await AdminContextAsync(actor, challengeId, ct) is { Succeeded: false } denied)
        {
            return denied.As<bool>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var admins = db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == challengeId && r.Role == ObjectRoles.Admin && r.UserId != null);
        var ids = await admins.Select(r => r.UserId!.Value).Distinct().ToListAsync(ct);
        if (!ids.Contains(userId))
        {
            return Result<bool>.NotFound("That user is not an admin of this challenge.");
        }

        if (ids.Count == 1)
        {
            return Result<bool>.Invalid("username", "The last admin of a challenge cannot be removed; add another admin first.");
        }

        await admins.Where(r => r.UserId == userId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(challengeId));
        return Result<bool>.Ok(true);
    }

    /// <summary>The actor's view of the challenge when they administer it; otherwise a failure saying why (not found or forbidden).</summary>
    private async Task<Result<ChallengeAccessContext>> AdminContextAsync(Actor actor, Guid challengeId, CancellationToken ct) =>
        await RequireAdminAsync(access, actor, challengeId, ct);

    internal static async Task<Result<ChallengeAccessContext>> RequireAdminAsync(IChallengeAccess access, Actor actor, Guid challengeId, CancellationToken ct)
    {
        var context = await access.FindAsync(actor, challengeId, ct);
        if (context is null)
        {
            return Result<ChallengeAccessContext>.NotFound(NotFoundMessage);
        }

        return context.IsAdmin ? Result<ChallengeAccessContext>.Ok(context) : Result<ChallengeAccessContext>.Forbidden(NotAdminMessage);
    }

    private async Task<IReadOnlyList<ChallengeMember>> MembersAsync(Guid challengeId, string role, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var direct = db.ObjectRoles
            .Where(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == challengeId && r.Role == role && r.UserId != null)
            .Select(r => r.UserId!.Value);
        var viaGroups = db.ObjectRoles
            .Where(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == challengeId && r.Role == role && r.GroupId != null)
            .Join(db.UserGroupMembers, r => r.GroupId, m => m.GroupId, (_, m) => m.UserId);
        var ids = direct.Union(viaGroups);
        var users = await db.Users.AsNoTracking()
            .Where(u => ids.Contains(u.Id))
            .Select(u => new ChallengeMember(u.Id, u.UserName!, u.Email ?? "", u.EmailConfirmed))
            .ToListAsync(ct);
        return users.OrderBy(u => u.Username, StringComparer.OrdinalIgnoreCase).ToList();
    }

    internal static void Check(FieldErrors errors, string field, string? message)
    {
        if (message is not null)
        {
            errors.Add(field, message);
        }
    }

    internal static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

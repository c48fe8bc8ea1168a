using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Archives;

/// <summary>A new archive. An empty slug is made from the title. Field errors are named in snake_case.</summary>
public sealed record NewArchive(string? Title, string? Slug = null, string? Description = null, string? Detail = null, bool Public = false);

/// <summary>What an archive's editors may change; the slug stays (it is the archive's address).</summary>
public sealed record ArchiveSettings(string? Title, string? Description, string? Detail, bool Public)
{
    public static ArchiveSettings Of(Archive a) => new(a.Title, a.Description, a.Detail, a.Public);
}

public sealed record ArchiveSummary(Guid Id, string Slug, string Title, string Description, bool Public, int ItemCount, DateTimeOffset Created);

/// <summary>A user holding a role on an archive.</summary>
public sealed record ArchiveMember(Guid UserId, string Username, string Role);

public interface IArchiveService
{
    /// <summary>Any signed-in user creates archives; the creator becomes its editor.</summary>
    Task<Result<Archive>> CreateAsync(Actor actor, NewArchive draft, CancellationToken ct = default);

    Task<Result<Archive>> UpdateAsync(Actor actor, Guid archiveId, ArchiveSettings settings, CancellationToken ct = default);

    /// <summary>Public archives and those the actor holds a role on (all for site admins), newest first; <paramref name="slug"/> filters exactly.</summary>
    Task<IReadOnlyList<ArchiveSummary>> ListVisibleAsync(Actor actor, string? slug = null, CancellationToken ct = default);

    /// <summary>By slug or id; null when missing or hidden from the actor.</summary>
    Task<ArchiveAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default);

    /// <summary>Editors, uploaders and users of the archive (its editors ask).</summary>
    Task<Result<IReadOnlyList<ArchiveMember>>> MembersAsync(Actor actor, Guid archiveId, CancellationToken ct = default);

    Task<Result<ArchiveMember>> AddMemberAsync(Actor actor, Guid archiveId, string role, string? username, CancellationToken ct = default);

    Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid archiveId, string role, Guid userId, CancellationToken ct = default);

    /// <summary>Deletes the archive with its items and roles (editors); images and socket values stay.</summary>
    Task<Result<bool>> DeleteAsync(Actor actor, Guid archiveId, CancellationToken ct = default);
}

public sealed class ArchiveService(
    IDbContextFactory<AppDbContext> dbFactory,
    IArchiveAccess access,
    IChangeNotifier notifier) : IArchiveService
{
    public const string NotFoundMessage = "No such archive, or it is hidden from you.";
    public const string NotEditorMessage = "Only the archive's editors may do that.";

    public async Task<Result<Archive>> CreateAsync(Actor actor, NewArchive draft, CancellationToken ct = default)
    {
        if (!actor.IsAuthenticated)
        {
            return Result<Archive>.Forbidden("Sign in to create an archive.");
        }

        var errors = new FieldErrors();
        var title = (draft.Title ?? "").Trim();
        var slug = string.IsNullOrWhiteSpace(draft.Slug) ? ArchiveRules.Slugify(title) : ArchiveRules.NormalizeSlug(draft.Slug);
        var description = (draft.Description ?? "").Trim();
        Check(errors, "title", ArchiveRules.CheckTitle(title));
        if (!errors.Has("title"))
        {
            Check(errors, "slug", ArchiveRules.CheckSlug(slug));
        }

        Check(errors, "description", ArchiveRules.CheckDescription(description));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!errors.Has("slug") && slug.Length > 0 && await db.Archives.AnyAsync(a => a.Slug == slug, ct))
        {
            errors.Add("slug", TakenMessage(slug));
        }

        if (errors.Any)
        {
            return errors.ToResult<Archive>();
        }

        var archive = new Archive
        {
            Title = title,
            Slug = slug,
            Description = description,
            Detail = draft.Detail ?? "",
            Public = draft.Public,
            CreatorId = actor.UserId,
        };
        db.Archives.Add(archive);
        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Archive, ObjectId = archive.Id, Role = ObjectRoles.Editor, UserId = actor.UserId });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Archives.AnyAsync(a => a.Slug == slug, ct))
            {
                return Result<Archive>.Invalid("slug", TakenMessage(slug));
            }

            throw;
        }

        notifier.Publish(ArchiveTopics.List);
        return Result<Archive>.Ok(archive);
    }

    private static string TakenMessage(string slug) => $"An archive with the slug '{slug}' already exists.";

    public async Task<Result<Archive>> UpdateAsync(Actor actor, Guid archiveId, ArchiveSettings settings, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, archiveId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Archive>();
        }

        var errors = new FieldErrors();
        var title = (settings.Title ?? "").Trim();
        var description = (settings.Description ?? "").Trim();
        Check(errors, "title", ArchiveRules.CheckTitle(title));
        Check(errors, "description", ArchiveRules.CheckDescription(description));
        if (errors.Any)
        {
            return errors.ToResult<Archive>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var archive = await db.Archives.SingleAsync(a => a.Id == archiveId, ct);
        archive.Title = title;
        archive.Description = description;
        archive.Detail = settings.Detail ?? "";
        archive.Public = settings.Public;
        await db.SaveChangesAsync(ct);
        notifier.Publish(ArchiveTopics.Archive(archiveId));
        notifier.Publish(ArchiveTopics.List);
        return Result<Archive>.Ok(archive);
    }

    public async Task<IReadOnlyList<ArchiveSummary>> ListVisibleAsync(Actor actor, string? slug = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var visible = access.VisibleArchiveIds(db, actor);
        var query = db.Archives.AsNoTracking().Where(a => visible.Contains(a.Id));
        if (slug is not null)
        {
            var normalized = ArchiveRules.NormalizeSlug(slug);
            query = query.Where(a => a.Slug == normalized);
        }

        var list = await query
            .Select(a => new ArchiveSummary(a.Id, a.Slug, a.Title, a.Description, a.Public, a.Items.Count, a.Created))
            .ToListAsync(ct);
        return list.OrderByDescending(a => a.Created).ToList();
    }

    public Task<ArchiveAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default) =>
        access.FindAsync(actor, slugOrId, ct);

    public async Task<Result<IReadOnlyList<ArchiveMember>>> MembersAsync(Actor actor, Guid archiveId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, archiveId, ct) is { Succeeded: false } denied)
        {
            return denied.As<IReadOnlyList<ArchiveMember>>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var members = await db.ObjectRoles.AsNoTracking()
            .Where(r => r.ObjectKind == ObjectKinds.Archive && r.ObjectId == archiveId && r.UserId != null)
            .Join(db.Users, r => r.UserId, u => u.Id, (r, u) => new ArchiveMember(u.Id, u.UserName!, r.Role))
            .ToListAsync(ct);
        return Result<IReadOnlyList<ArchiveMember>>.Ok(members
            .OrderBy(m => Array.IndexOf(ObjectKinds.Roles[ObjectKinds.Archive], m.Role))
            .ThenBy(m => m.Username, StringComparer.OrdinalIgnoreCase)
            .ToList());
    }

    public async Task<Result<ArchiveMember>> AddMemberAsync(Actor actor, Guid archiveId, string role, string? username, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, archiveId, ct) is { Succeeded: false } denied)
        {
            return denied.As<ArchiveMember>();
        }

        if (!ObjectKinds.IsValid(ObjectKinds.Archive, role))
        {
            return Result<ArchiveMember>.Invalid("role", $"'{role}' is not a role of an archive; use editor, uploader or user.");
        }

        var name = (username ?? "").Trim();
        if (name.Length == 0)
        {
            return Result<ArchiveMember>.Invalid("username", "Give the username of the user to add.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var normalized = name.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null)
        {
            return Result<ArchiveMember>.Invalid("username", $"There is no user named '{name}'.");
        }

        var exists = await db.ObjectRoles.AnyAsync(r => r.ObjectKind == ObjectKinds.Archive && r.ObjectId == archiveId
                                                         && r.Role == role && r.UserId == user.Id, ct);
        if (exists)
        {
            return Result<ArchiveMember>.Invalid("username", $"{user.UserName} is already {Article(role)} {role} of this archive.");
        }

        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Archive, ObjectId = archiveId, Role = role, UserId = user.Id });
        await db.SaveChangesAsync(ct);
        notifier.Publish(ArchiveTopics.Archive(archiveId));
        return Result<ArchiveMember>.Ok(new ArchiveMember(user.Id, user.UserName!, role));
    }

    public async Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid archiveId, string role, Guid userId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, archiveId, ct) is { Succeeded: false } denied)
        {
            return denied.As<bool>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var holders = db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Archive && r.ObjectId == archiveId && r.Role == role && r.UserId != null);
        var ids = await holders.Select(r => r.UserId!.Value).Distinct().ToListAsync(ct);
        if (!ids.Contains(userId))
        {
            return Result<bool>.NotFound($"That user is not {Article(role)} {role} of this archive.");
        }

        if (role == ObjectRoles.Editor && ids.Count == 1)
        {
            return Result<bool>.Invalid("username", "The last editor of an archive cannot be removed; add another editor first.");
        }

        await holders.Where(r => r.UserId == userId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(ArchiveTopics.Archive(archiveId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<bool>> DeleteAsync(Actor actor, Guid archiveId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, archiveId, ct) is { Succeeded: false } denied)
        {
            return denied.As<bool>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.ArchiveItemValues.Where(v => v.Item!.ArchiveId == archiveId).ExecuteDeleteAsync(ct);
        await db.ArchiveItems.Where(i => i.ArchiveId == archiveId).ExecuteDeleteAsync(ct);
        await db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Archive && r.ObjectId == archiveId).ExecuteDeleteAsync(ct);
        await db.Archives.Where(a => a.Id == archiveId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(ArchiveTopics.Archive(archiveId));
        notifier.Publish(ArchiveTopics.List);
        return Result<bool>.Ok(true);
    }

    internal static async Task<Result<ArchiveAccessContext>> RequireEditorAsync(IArchiveAccess access, Actor actor, Guid archiveId, CancellationToken ct)
    {
        var context = await access.FindAsync(actor, archiveId, ct);
        if (context is null)
        {
            return Result<ArchiveAccessContext>.NotFound(NotFoundMessage);
        }

        return context.IsEditor ? Result<ArchiveAccessContext>.Ok(context) : Result<ArchiveAccessContext>.Forbidden(NotEditorMessage);
    }

    private Task<Result<ArchiveAccessContext>> RequireEditorAsync(Actor actor, Guid archiveId, CancellationToken ct) =>
        RequireEditorAsync(access, actor, archiveId, ct);

    private static string Article(string role) => role == ObjectRoles.Editor || role == ObjectRoles.Uploader ? "an" : "a";

    internal static void Check(FieldErrors errors, string field, string? message)
    {
        if (message is not null)
        {
            errors.Add(field, message);
        }
    }
}

using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Imaging.Import;
using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Cases;

/// <summary>Queues the import of an upload session; the workers implement it with Quartz.</summary>
public interface IImageImportJobs
{
    Task ScheduleImportAsync(Guid sessionId, CancellationToken ct = default);
}

/// <summary>Where the images of a new session go: an archive (by slug or id), a socket of an archive item, or (only a socket) a job's input.</summary>
public sealed record UploadSessionTarget(string? Archive = null, Guid? ArchiveItemId = null, string? Socket = null);

/// <summary>A file sent with the request that creates a session; its content is read once, in order.</summary>
public sealed record UploadedFile(string Name, Stream Content);

/// <summary>A session with the ids of the images it made, as the API shows it.</summary>
public sealed record UploadSessionView(UploadSession Session, IReadOnlyList<Guid> ImageIds);

/// <summary>
/// Creates upload sessions from files sent with the request and from the user's finished uploads (which are used up),
/// after the destination said the user may send images there; then queues the import. Only the creator and site
/// admins see (and cancel) a session. A user has at most <see cref="ImageImportOptions.MaxActiveSessionsPerUser"/> sessions
/// queued or importing at a time.
/// </summary>
public interface IUploadSessionService
{
    Task<Result<UploadSessionView>> CreateAsync(
        Actor actor, UploadSessionTarget target, IReadOnlyList<Guid> uploadIds, IAsyncEnumerable<UploadedFile> files, CancellationToken ct = default);

    Task<Result<UploadSessionView>> GetAsync(Actor actor, Guid id, CancellationToken ct = default);

    /// <summary>The actor's own sessions, newest first.</summary>
    Task<(int Count, IReadOnlyList<UploadSessionView> Items)> ListAsync(Actor actor, int offset, int limit, CancellationToken ct = default);

    /// <summary>
    /// Stops a session that is still queued or importing (its creator or a site admin): it becomes Cancelled and its
    /// import stores nothing more and keeps nothing it stored. Refused once the images are stored and being handed over.
    /// </summary>
    Task<Result<UploadSessionView>> CancelAsync(Actor actor, Guid id, CancellationToken ct = default);
}

public sealed class UploadSessionService(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IUploadService uploads,
    IEnumerable<IUploadSessionDestination> destinations,
    IImageImportJobs jobs,
    IOptions<ImageImportOptions> options,
    TimeProvider time,
    IChangeNotifier notifier) : IUploadSessionService
{
    public const string NotFoundMessage = "There is no such upload session.";
    public const string CancelledMessage = "Cancelled by its creator.";

    private static readonly UploadSessionStatus[] Active = [UploadSessionStatus.Queued, UploadSessionStatus.Started, UploadSessionStatus.ReQueued];

    public async Task<Result<UploadSessionView>> CreateAsync(
        Actor actor, UploadSessionTarget target, IReadOnlyList<Guid> uploadIds, IAsyncEnumerable<UploadedFile> files, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return Result<UploadSessionView>.Forbidden("Sign in to upload images.");
        }

        var session = new UploadSession { CreatorId = userId };
        var resolved = await ResolveTargetAsync(session, target, ct);
        if (!resolved.Succeeded)
        {
            return resolved;
        }

        var handlers = destinations.Where(d => d.Handles(session)).ToList();
        if (handlers.Count == 0)
        {
            return Result<UploadSessionView>.Invalid("archive", "Name an archive, or an archive item and a socket, to send the images to.");
        }

        foreach (var handler in handlers)
        {
            if (await handler.AuthorizeAsync(actor, session, ct) is { } refusal)
            {
                return Result<UploadSessionView>.Forbidden(refusal);
            }
        }

        if (uploadIds.Count > UploadSession.MaxFiles)
        {
            return TooMany();
        }

        var limit = options.Value.MaxActiveSessionsPerUser;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.UploadSessions.CountAsync(s => s.CreatorId == userId && Active.Contains(s.Status), ct) >= limit)
            {
                return Result<UploadSessionView>.Invalid("non_field_errors",
                    $"You already have {limit} upload sessions queued or importing, the most one user may have at a time; "
                    + "wait until one of them finishes, or cancel one, then send these files again.");
            }
        }

        var prefix = $"upload-sessions/{session.Id:D}";
        var consumedUploads = new List<Guid>();
        try
        {
            foreach (var uploadId in uploadIds.Distinct())
            {
                var opened = await uploads.OpenCompletedAsync(actor, uploadId, ct);
                if (opened.NotFound)
                {
                    return await AbandonAsync(prefix, Result<UploadSessionView>.Invalid("upload_ids", $"There is no upload {uploadId} of yours."));
                }

                if (!opened.Succeeded)
                {
                    return await AbandonAsync(prefix, Result<UploadSessionView>.Invalid("upload_ids", opened.Error!));
                }

                await using (var upload = opened.Value!)
                {
                    if (session.Files.Any(f => f.Name == upload.Info.Filename))
                    {
                        return await AbandonAsync(prefix, Result<UploadSessionView>.Invalid(
                            "upload_ids", $"Two files are named '{upload.Info.Filename}'; the names of a session's files must differ."));
                    }

                    await StoreAsync(session, upload.Info.Filename, upload.Content, ct);
                }

                consumedUploads.Add(uploadId);
            }

            await foreach (var file in files.WithCancellation(ct))
            {
                if (session.Files.Count >= UploadSession.MaxFiles)
                {
                    return await AbandonAsync(prefix, TooMany());
                }

                if (UploadService.ValidateFilename(file.Name) is { } invalid)
                {
                    return await AbandonAsync(prefix, Result<UploadSessionView>.Invalid("files", invalid));
                }

                if (session.Files.Any(f => f.Name == file.Name))
                {
                    return await AbandonAsync(prefix, Result<UploadSessionView>.Invalid("files", $"Two files are named '{file.Name}'; the names of a session's files must differ."));
                }

                await StoreAsync(session, file.Name, file.Content, ct);
            }
        }
        catch (Exception)
        {
            await blobs.DeletePrefixAsync(prefix, CancellationToken.None);
            throw;
        }

        if (session.Files.Count == 0)
        {
            return Result<UploadSessionView>.Invalid("files", "Attach at least one file, or name finished uploads in upload_ids.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.UploadSessions.Add(session);
            await db.SaveChangesAsync(CancellationToken.None);
        }

        foreach (var uploadId in consumedUploads)
        {
            await uploads.DeleteAsync(actor, uploadId, CancellationToken.None);
        }

        await jobs.ScheduleImportAsync(session.Id, CancellationToken.None);
        return Result<UploadSessionView>.Ok(new UploadSessionView(session, []));
    }

    public async Task<Result<UploadSessionView>> GetAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var session = await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
        if (session is null || !(actor.IsSiteAdmin || (actor.UserId is { } user && session.CreatorId == user)))
        {
            return Result<UploadSessionView>.NotFound(NotFoundMessage);
        }

        var images = await db.Images.Where(i => i.OriginId == id).OrderBy(i => i.Created).Select(i => i.Id).ToListAsync(ct);
        return Result<UploadSessionView>.Ok(new UploadSessionView(session, images));
    }

    public async Task<(int Count, IReadOnlyList<UploadSessionView> Items)> ListAsync(Actor actor, int offset, int limit, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return (0, []);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var own = db.UploadSessions.AsNoTracking().Where(s => s.CreatorId == userId);
        var count = await own.CountAsync(ct);
        var sessions = await own.OrderByDescending(s => s.Created).ThenByDescending(s => s.Id).Skip(offset).Take(limit).ToListAsync(ct);
        var ids = sessions.Select(s => s.Id).ToList();
        var images = (await db.Images.Where(i => i.OriginId != null && ids.Contains(i.OriginId.Value))
                .Select(i => new { i.Id, Origin = i.OriginId!.Value, i.Created })
                .ToListAsync(ct))
            .OrderBy(i => i.Created)
            .ToLookup(i => i.Origin, i => i.Id);
        return (count, sessions.Select(s => new UploadSessionView(s, images[s.Id].ToList())).ToList());
    }

    public async Task<Result<UploadSessionView>> CancelAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        var found = await GetAsync(actor, id, ct);
        if (!found.Succeeded)
        {
            return found;
        }

        var message = actor.UserId == found.Value!.Session.CreatorId ? CancelledMessage : "Cancelled by a site admin.";
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // One checked write: only an active session whose images are not stored and that has not changed since it was
            // read. The importer stores its images only while the session is Started, in a write that also moves Modified,
            // so exactly one of the two wins on every database (also where this statement's snapshot predates the images).
            var seen = found.Value.Session;
            for (var attempt = 0; ; attempt++)
            {
                var modified = seen.Modified;
                var changed = await db.UploadSessions
                    .Where(s => s.Id == id && s.Modified == modified && Active.Contains(s.Status) && !db.Images.Any(i => i.OriginId == id))
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, UploadSessionStatus.Cancelled)
                        .SetProperty(s => s.ErrorMessage, message)
                        .SetProperty(s => s.Modified, time.GetUtcNow()), ct);
                if (changed > 0)
                {
                    break;
                }

                var current = (await GetAsync(actor, id, ct)).Value!;
                if (current.Session.IsFinished)
                {
                    return Result<UploadSessionView>.Invalid("status",
                        $"The upload session has already ended ({UploadSessions.Label(current.Session.Status)}); there is nothing to cancel.");
                }

                if (current.ImageIds.Count > 0)
                {
                    return Result<UploadSessionView>.Invalid("status",
                        "The images of this upload session are already stored and are being added to their destination; it can no longer be cancelled.");
                }

                if (attempt >= 2)
                {
                    return Result<UploadSessionView>.Invalid("status", "The upload session kept changing while it was being cancelled; try again.");
                }

                seen = current.Session;
            }
        }

        notifier.Publish(ImageImporter.TopicFor(id), id);
        return await GetAsync(actor, id, ct);
    }

    private async Task<Result<UploadSessionView>> ResolveTargetAsync(UploadSession session, UploadSessionTarget target, CancellationToken ct)
    {
        var hasArchive = target.Archive is { Length: > 0 };
        // Only a socket: the image is for an input of a job (an algorithm job's destination takes it).
        var forJobInput = !hasArchive && target.ArchiveItemId is null && target.Socket is { Length: > 0 };
        if (hasArchive == (target.ArchiveItemId is not null) && !forJobInput)
        {
            return Result<UploadSessionView>.Invalid("archive", "Name either an archive, or an archive item and a socket.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (forJobInput)
        {
            // The socket is resolved below.
        }
        else if (hasArchive)
        {
            var archive = Guid.TryParse(target.Archive, out var archiveId)
                ? await db.Archives.Where(a => a.Id == archiveId).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct)
                : await db.Archives.Where(a => a.Slug == target.Archive).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
            if (archive is null)
            {
                return Result<UploadSessionView>.Invalid("archive", $"There is no archive '{target.Archive}'.");
            }

            session.ArchiveId = archive;
        }
        else
        {
            if (target.Socket is not { Length: > 0 })
            {
                return Result<UploadSessionView>.Invalid("socket", "Name the socket of the archive item the image is for.");
            }

            if (!await db.ArchiveItems.AnyAsync(i => i.Id == target.ArchiveItemId, ct))
            {
                return Result<UploadSessionView>.Invalid("archive_item", $"There is no archive item {target.ArchiveItemId}.");
            }

            session.ArchiveItemId = target.ArchiveItemId;
        }

        if (target.Socket is { Length: > 0 } slug)
        {
            var socket = await db.Sockets.Where(s => s.Slug == slug).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct);
            if (socket is null)
            {
                return Result<UploadSessionView>.Invalid("socket", $"There is no socket '{slug}'.");
            }

            session.SocketId = socket;
        }

        return Result<UploadSessionView>.Ok(new UploadSessionView(session, []));
    }

    private async Task StoreAsync(UploadSession session, string name, Stream content, CancellationToken ct)
    {
        var key = UploadSessions.BlobKeyFor(session.Id, session.Files.Count, name);
        var size = await blobs.WriteAsync(key, content, ct);
        session.Files.Add(new UploadSessionFile(name, key, size));
    }

    private async Task<Result<UploadSessionView>> AbandonAsync(string prefix, Result<UploadSessionView> failure)
    {
        await blobs.DeletePrefixAsync(prefix, CancellationToken.None);
        return failure;
    }

    private static Result<UploadSessionView> TooMany() =>
        Result<UploadSessionView>.Invalid("files", $"An upload session holds at most {UploadSession.MaxFiles} files; zip them to send more.");
}

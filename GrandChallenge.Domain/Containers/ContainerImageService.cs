using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Containers;

public sealed record ContainerImageInfo(
    Guid Id,
    ContainerImageKind Kind,
    Guid? OwnerId,
    Guid? CreatorId,
    string? CreatorName,
    string Filename,
    string? ImageSha256,
    long SizeBytes,
    ContainerImageImportStatus ImportStatus,
    bool? IsManifestValid,
    string StatusMessage,
    bool IsLoaded,
    bool IsRemoved,
    bool IsDesiredVersion,
    string Comment,
    DateTimeOffset Created,
    DateTimeOffset Modified);

public interface IContainerImageService
{
    /// <summary>
    /// Stores an uploaded <c>docker save</c> archive and queues its import. The stream is copied to storage as it
    /// arrives, never held in memory.
    /// </summary>
    Task<Result<ContainerImageInfo>> CreateAsync(
        ContainerImageKind kind, Guid? ownerId, Actor actor, Stream archive, string filename, string? comment, CancellationToken ct = default);

    /// <summary>
    /// As <see cref="CreateAsync"/>, from one of the actor's finished resumable uploads (large archives), which is
    /// deleted once the image holds its own copy. A refused request (field <c>upload_id</c> for a missing or
    /// unfinished upload) leaves the upload as it was.
    /// </summary>
    Task<Result<ContainerImageInfo>> CreateFromUploadAsync(
        ContainerImageKind kind, Guid? ownerId, Actor actor, Guid uploadId, string? comment, CancellationToken ct = default);

    Task<ContainerImageInfo?> GetAsync(Guid id, CancellationToken ct = default);

    /// <summary>Newest first.</summary>
    Task<(int Count, IReadOnlyList<ContainerImageInfo> Items)> ListAsync(int offset, int limit, CancellationToken ct = default);

    /// <summary>The images of one owner, newest first.</summary>
    Task<IReadOnlyList<ContainerImageInfo>> ListOwnedAsync(ContainerImageKind kind, Guid ownerId, CancellationToken ct = default);

    /// <summary>Makes a completed image the active version of its owner; the previous one stops being active.</summary>
    Task<Result<ContainerImageInfo>> ActivateAsync(Guid id, Actor actor, CancellationToken ct = default);

    /// <summary>Deletes the archive, marks the image removed and has the engine drop it. Refused for the active version and images in use.</summary>
    Task<Result<ContainerImageInfo>> RemoveAsync(Guid id, Actor actor, CancellationToken ct = default);

    /// <summary>Whether the actor may manage the images of <paramref name="kind"/> owned by <paramref name="ownerId"/>.</summary>
    Task<bool> CanManageAsync(Actor actor, ContainerImageKind kind, Guid? ownerId, CancellationToken ct = default);
}

public sealed class ContainerImageService(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IUploadService uploads,
    IContainerImageJobs jobs,
    IContainerImageUsage usage,
    IChangeNotifier notifier,
    IPermissionService permissions,
    IOptions<ContainerImageOptions> options,
    TimeProvider clock) : IContainerImageService
{
    public const int MaxFilenameLength = 128;
    public const int MaxCommentLength = 1000;
    public const string BadFilename = "The file must be a .tar, .tar.gz or .tar.xz docker save archive.";
    public const string NoSuchUpload = "No finished upload of yours has that upload_id.";

    private static readonly ContainerImageImportStatus[] Importing =
        [ContainerImageImportStatus.Queued, ContainerImageImportStatus.ReQueued, ContainerImageImportStatus.Started];

    public async Task<Result<ContainerImageInfo>> CreateAsync(
        ContainerImageKind kind, Guid? ownerId, Actor actor, Stream archive, string filename, string? comment, CancellationToken ct = default)
    {
        if (!await CanManageAsync(actor, kind, ownerId, ct))
        {
            return Result<ContainerImageInfo>.Fail("You may not add container images here.");
        }

        filename = Path.GetFileName((filename ?? "").Replace('\\', '/')).Trim();
        if (!IsAcceptableFilename(filename))
        {
            return Result<ContainerImageInfo>.Invalid("file", BadFilename);
        }

        comment = (comment ?? "").Trim();
        if (comment.Length > MaxCommentLength)
        {
            return Result<ContainerImageInfo>.Invalid("comment", $"Keep the comment under {MaxCommentLength} characters.");
        }

        var image = new ContainerImage
        {
            Kind = kind,
            OwnerId = ownerId,
            CreatorId = actor.UserId,
            Filename = filename,
            BlobKey = "",
            Comment = comment,
            ImportStatus = ContainerImageImportStatus.Queued,
        };
        image.BlobKey = $"{BlobPrefix(image.Id)}/{filename}";

        var limit = options.Value.MaxArchiveBytes;
        try
        {
            image.SizeBytes = await blobs.WriteAsync(image.BlobKey, new SizeLimitedStream(archive, limit), ct);
        }
        catch (ArchiveTooLargeException)
        {
            await blobs.DeletePrefixAsync(BlobPrefix(image.Id), CancellationToken.None);
            return Result<ContainerImageInfo>.Invalid("file",
                $"The container image file is larger than {DockerArchive.FormatBytes(limit)}, the most this platform accepts.");
        }
        catch
        {
            await blobs.DeletePrefixAsync(BlobPrefix(image.Id), CancellationToken.None);
            throw;
        }

        if (image.SizeBytes == 0)
        {
            await blobs.DeletePrefixAsync(BlobPrefix(image.Id), CancellationToken.None);
            return Result<ContainerImageInfo>.Invalid("file", "The container image file is empty.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ContainerImages.Add(image);
            await db.SaveChangesAsync(CancellationToken.None);
        }

        try
        {
            await jobs.ScheduleImportAsync(image.Id, TimeSpan.Zero, CancellationToken.None);
        }
        catch (Exception)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.ContainerImages.Where(i => i.Id == image.Id).ExecuteUpdateAsync(s => s
                .SetProperty(i => i.ImportStatus, ContainerImageImportStatus.Failed)
                .SetProperty(i => i.StatusMessage, "The import could not be queued. Upload the file again.")
                .SetProperty(i => i.Modified, clock.GetUtcNow()), CancellationToken.None);
            Publish(image.Id);
            throw;
        }

        Publish(image.Id);
        return Result<ContainerImageInfo>.Ok((await GetAsync(image.Id, CancellationToken.None))!);
    }

    public async Task<Result<ContainerImageInfo>> CreateFromUploadAsync(
        ContainerImageKind kind, Guid? ownerId, Actor actor, Guid uploadId, string? comment, CancellationToken ct = default)
    {
        if (!await CanManageAsync(actor, kind, ownerId, ct))
        {
            return Result<ContainerImageInfo>.Fail("You may not add container images here.");
        }

        var opened = await uploads.OpenCompletedAsync(actor, uploadId, ct);
        if (!opened.Succeeded)
        {
            return Result<ContainerImageInfo>.Invalid("upload_id", opened.NotFound ? NoSuchUpload : opened.Error!);
        }

        Result<ContainerImageInfo> result;
        await using (var upload = opened.Value!)
        {
            result = await CreateAsync(kind, ownerId, actor, upload.Content, upload.Info.Filename, comment, ct);
        }

        if (result.Succeeded)
        {
            await uploads.DeleteAsync(actor, uploadId, CancellationToken.None);
        }

        return result;
    }

    public async Task<ContainerImageInfo?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await Project(db.ContainerImages.AsNoTracking().Where(i => i.Id == id)).SingleOrDefaultAsync(ct);
    }

    public async Task<IReadOnlyList<ContainerImageInfo>> ListOwnedAsync(ContainerImageKind kind, Guid ownerId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = await Project(db.ContainerImages.AsNoTracking().Where(i => i.Kind == kind && i.OwnerId == ownerId)).ToListAsync(ct);
        return [.. items.OrderByDescending(i => i.Created)];
    }

    public async Task<(int Count, IReadOnlyList<ContainerImageInfo> Items)> ListAsync(int offset, int limit, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await db.ContainerImages.CountAsync(ct);
        var ids = await db.ContainerImages.AsNoTracking()
            .OrderByDescending(i => i.Created).ThenByDescending(i => i.Id)
            .Skip(offset).Take(limit)
            .Select(i => i.Id)
            .ToListAsync(ct);
        var items = await Project(db.ContainerImages.AsNoTracking().Where(i => ids.Contains(i.Id))).ToListAsync(ct);
        return (count, items.OrderBy(i => ids.IndexOf(i.Id)).ToList());
    }

    public async Task<Result<ContainerImageInfo>> ActivateAsync(Guid id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var image = await db.ContainerImages.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        if (image is null)
        {
            return Result<ContainerImageInfo>.Fail(NotFound);
        }

        if (!await CanManageAsync(actor, image.Kind, image.OwnerId, ct))
        {
            return Result<ContainerImageInfo>.Fail("You may not manage this container image.");
        }

        if (image.IsRemoved)
        {
            return Result<ContainerImageInfo>.Fail("This container image was removed; it cannot be activated. Upload it again.");
        }

        if (image.ImportStatus != ContainerImageImportStatus.Completed)
        {
            return Result<ContainerImageInfo>.Fail(
                $"Only a container image whose import completed can be activated; this one is {image.ImportStatus.Label()}.");
        }

        var peers = db.ContainerImages.Where(i => i.Kind == image.Kind && i.OwnerId == image.OwnerId);
        var previous = await peers.Where(i => i.IsDesiredVersion && i.Id != id).Select(i => i.Id).ToListAsync(ct);

        // One statement for the whole peer group: concurrent activations end with exactly one active version.
        var now = clock.GetUtcNow();
        await peers.ExecuteUpdateAsync(s => s
            .SetProperty(i => i.IsDesiredVersion, i => i.Id == id && i.ImportStatus == ContainerImageImportStatus.Completed && !i.IsRemoved)
            .SetProperty(i => i.Modified, now), ct);

        var activated = await db.ContainerImages.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        if (!activated.IsDesiredVersion)
        {
            previous.ForEach(Publish);
            return Result<ContainerImageInfo>.Fail("The container image changed while it was being activated; try again.");
        }

        if (!activated.IsLoaded)
        {
            // Taken out of the engine by the clean-up: load it again from its archive.
            var requeued = await db.ContainerImages
                .Where(i => i.Id == id && i.ImportStatus == ContainerImageImportStatus.Completed && !i.IsLoaded)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.ImportStatus, ContainerImageImportStatus.Queued)
                    .SetProperty(i => i.ImportAttempts, 0)
                    .SetProperty(i => i.StatusMessage, "Loading into the container engine again.")
                    .SetProperty(i => i.Modified, now), ct);
            if (requeued == 1)
            {
                await jobs.ScheduleImportAsync(id, TimeSpan.Zero, ct);
            }
        }

        previous.ForEach(Publish);
        Publish(id);
        return Result<ContainerImageInfo>.Ok((await GetAsync(id, ct))!);
    }

    public async Task<Result<ContainerImageInfo>> RemoveAsync(Guid id, Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var image = await db.ContainerImages.AsNoTracking().SingleOrDefaultAsync(i => i.Id == id, ct);
        if (image is null)
        {
            return Result<ContainerImageInfo>.Fail(NotFound);
        }

        if (!await CanManageAsync(actor, image.Kind, image.OwnerId, ct))
        {
            return Result<ContainerImageInfo>.Fail("You may not manage this container image.");
        }

        if (image.IsRemoved)
        {
            return Result<ContainerImageInfo>.Ok((await GetAsync(id, ct))!);
        }

        if (image.IsDesiredVersion)
        {
            return Result<ContainerImageInfo>.Fail("This container image is the active version; activate another version before removing it.");
        }

        if (image.ImportStatus == ContainerImageImportStatus.Started)
        {
            return Result<ContainerImageInfo>.Fail("This container image is being imported right now; remove it when the import has finished.");
        }

        if ((await usage.InUseAsync([id], ct)).Contains(id))
        {
            return Result<ContainerImageInfo>.Fail("This container image is in use by a running job or session; remove it when that has finished.");
        }

        var now = clock.GetUtcNow();
        // A queued import is cancelled (its job then finds nothing to do); a running one or an activation in between wins.
        var removed = await db.ContainerImages
            .Where(i => i.Id == id && !i.IsDesiredVersion && !i.IsRemoved && i.ImportStatus != ContainerImageImportStatus.Started)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.IsRemoved, true)
                .SetProperty(i => i.ImportStatus, i => i.ImportStatus == ContainerImageImportStatus.Queued || i.ImportStatus == ContainerImageImportStatus.ReQueued
                    ? ContainerImageImportStatus.Cancelled
                    : i.ImportStatus)
                .SetProperty(i => i.Modified, now), ct);
        if (removed == 0)
        {
            return Result<ContainerImageInfo>.Fail("The container image changed while it was being removed; try again.");
        }

        await blobs.DeletePrefixAsync(BlobPrefix(id), CancellationToken.None);
        if (image.IsLoaded)
        {
            await jobs.ScheduleEngineCleanupAsync(CancellationToken.None);
        }

        Publish(id);
        return Result<ContainerImageInfo>.Ok((await GetAsync(id, CancellationToken.None))!);
    }

    public async Task<bool> CanManageAsync(Actor actor, ContainerImageKind kind, Guid? ownerId, CancellationToken ct = default)
    {
        if (actor.IsSiteAdmin)
        {
            return true;
        }

        if (kind == ContainerImageKind.Evaluation)
        {
            // Evaluation methods belong to phases; the admins of the phase's challenge manage them.
            if (ownerId is null)
            {
                return false;
            }

            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var challengeId = await db.Phases.Where(p => p.Id == ownerId).Select(p => (Guid?)p.ChallengeId).FirstOrDefaultAsync(ct);
            return challengeId is { } id && await permissions.CanAsync(actor, Permissions.ChangeChallenge, id, ct);
        }

        var permission = kind switch
        {
            ContainerImageKind.Algorithm => Permissions.ChangeAlgorithm,
            ContainerImageKind.Workstation => Permissions.ChangeWorkstation,
            _ => null,
        };
        return permission is not null && ownerId is { } owner && await permissions.CanAsync(actor, permission, owner, ct);
    }

    public const string NotFound = "No such container image.";

    public static string BlobPrefix(Guid id) => $"container-images/{id}";

    public static bool IsAcceptableFilename(string filename) =>
        filename.Length is > 0 and <= MaxFilenameLength
        && filename is not ("." or "..")
        && !filename.Any(c => char.IsControl(c) || c is '/' or '\\')
        && ContainerImageConventions.AllowedExtensions.Any(e => filename.EndsWith(e, StringComparison.OrdinalIgnoreCase) && filename.Length > e.Length);

    private void Publish(Guid id)
    {
        notifier.Publish(ContainerImageConventions.Topic(id), id);
        notifier.Publish(ContainerImageConventions.AllTopic, id);
    }

    private static IQueryable<ContainerImageInfo> Project(IQueryable<ContainerImage> images) =>
        images.Select(i => new ContainerImageInfo(
            i.Id, i.Kind, i.OwnerId, i.CreatorId, i.Creator != null ? i.Creator.UserName : null, i.Filename, i.ImageSha256, i.SizeBytes,
            i.ImportStatus, i.IsManifestValid, i.StatusMessage, i.IsLoaded, i.IsRemoved, i.IsDesiredVersion, i.Comment, i.Created, i.Modified));

    private sealed class ArchiveTooLargeException() : Exception("The archive is larger than allowed.");

    /// <summary>Stops copying an upload as soon as it passes the limit.</summary>
    private sealed class SizeLimitedStream(Stream inner, long limit) : ReadOnlyStream
    {
        private long _read;

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw new ArchiveTooLargeException() : read;
        }
    }
}

public static class ContainerImageServiceCollectionExtensions
{
    public static IServiceCollection AddContainerImages(this IServiceCollection services)
    {
        services.AddOptions<ContainerImageOptions>().BindConfiguration(ContainerImageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddUploadServices();
        services.TryAddSingleton<DockerArchiveInspector>();
        services.TryAddSingleton<IContainerImageUsage, ComponentJobImageUsage>();
        services.TryAddSingleton<IContainerImageService, ContainerImageService>();
        return services;
    }
}

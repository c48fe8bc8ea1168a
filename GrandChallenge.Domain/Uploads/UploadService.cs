using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Uploads;

/// <summary>
/// Resumable uploads shaped like grand-challenge.org's S3 multipart flow: create, sign part URLs, store parts (any
/// order, again to replace), complete (assembled by streaming, checked against the announced size and SHA-256),
/// abort; plus single-request uploads of small files. Bodies are streamed to the blob store, never held in memory.
/// Only an upload's creator sees it; everyone else is told it does not exist.
/// </summary>
public interface IUploadService
{
    Task<Result<UploadInfo>> CreateAsync(Actor actor, string? filename, long? expectedSize, string? expectedSha256, CancellationToken ct = default);

    /// <summary>Stores a whole file in one go (the multipart form route) and completes it.</summary>
    Task<Result<UploadInfo>> UploadFileAsync(Actor actor, string? filename, Stream content, long? expectedSize, string? expectedSha256, CancellationToken ct = default);

    Task<UploadResult<UploadInfo>> GetAsync(Actor actor, Guid uploadId, CancellationToken ct = default);

    /// <summary>The actor's own uploads, newest first.</summary>
    Task<(int Count, IReadOnlyList<UploadInfo> Items)> ListAsync(Actor actor, int offset, int limit, CancellationToken ct = default);

    Task<UploadUsage> UsageAsync(Actor actor, CancellationToken ct = default);

    Task<UploadResult<PresignedParts>> PresignPartsAsync(Actor actor, Guid uploadId, string uploadKey, IReadOnlyList<int>? partNumbers, CancellationToken ct = default);

    PartSignatureCheck CheckPartSignature(Guid uploadId, string uploadKey, int partNumber, long expiresUnix, string? signature);

    /// <summary>Stores one part from <paramref name="body"/>; the caller has checked the part URL's signature.</summary>
    Task<UploadResult<StoredPart>> WritePartAsync(Guid uploadId, string uploadKey, int partNumber, Stream body, long? contentLength, string? contentMd5, CancellationToken ct = default);

    Task<UploadResult<UploadWithParts>> ListPartsAsync(Actor actor, Guid uploadId, string uploadKey, CancellationToken ct = default);

    Task<UploadResult<UploadInfo>> CompleteAsync(Actor actor, Guid uploadId, string uploadKey, IReadOnlyList<PartReference>? parts, CancellationToken ct = default);

    Task<UploadResult<UploadInfo>> AbortAsync(Actor actor, Guid uploadId, string uploadKey, CancellationToken ct = default);

    /// <summary>Opens a completed upload of the actor's for a feature that consumes it (container images, predictions, images).</summary>
    Task<UploadResult<OpenedUpload>> OpenCompletedAsync(Actor actor, Guid uploadId, CancellationToken ct = default);

    /// <summary>Deletes one of the actor's uploads, whatever its status, with its files.</summary>
    Task<bool> DeleteAsync(Actor actor, Guid uploadId, CancellationToken ct = default);

    /// <summary>Deletes unfinished uploads older than <see cref="UploadOptions.ExpireAfter"/> and aborted ones, with their files.</summary>
    Task<int> DeleteExpiredAsync(CancellationToken ct = default);
}

public sealed partial class UploadService(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    UploadSigner signer,
    IChangeNotifier notifier,
    IOptions<UploadOptions> options,
    TimeProvider clock,
    ILogger<UploadService> logger) : IUploadService
{
    /// <summary>Saves of one part number racing each other; enough for many concurrent senders of the same part.</summary>
    private const int MaxPartWriteAttempts = 10;

    private UploadOptions Limits => options.Value;

    /// <summary>The <see cref="IChangeNotifier"/> topic on which a user's uploads announce changes (payload: the upload id).</summary>
    public static string TopicFor(Guid userId) => $"user-uploads/{userId:D}";

    public static string? ValidateFilename(string? filename)
    {
        if (string.IsNullOrWhiteSpace(filename))
        {
            return "Give the file's name.";
        }

        if (filename.Length > UserUpload.MaxFilenameLength)
        {
            return $"The file name is longer than {UserUpload.MaxFilenameLength} characters.";
        }

        if (filename.Contains('/') || filename.Contains('\\') || filename.Contains("..", StringComparison.Ordinal)
            || filename.Any(char.IsControl) || filename is ".")
        {
            return "The file name must be a bare name such as 'image.tar.gz': no folders, no '/', '\\' or '..', no control characters.";
        }

        return null;
    }

    public async Task<Result<UploadInfo>> CreateAsync(Actor actor, string? filename, long? expectedSize, string? expectedSha256, CancellationToken ct = default)
    {
        var checkedRequest = await CheckNewUploadAsync(actor, filename, expectedSize, expectedSha256, ct);
        if (!checkedRequest.Succeeded)
        {
            return checkedRequest;
        }

        var upload = checkedRequest.Value!;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var entity = NewUpload(upload);
            db.UserUploads.Add(entity);
            await db.SaveChangesAsync(ct);
            upload = UploadInfo.From(entity);
        }

        notifier.Publish(TopicFor(upload.CreatorId), upload.Id);
        return Result<UploadInfo>.Ok(upload);
    }

    public async Task<Result<UploadInfo>> UploadFileAsync(Actor actor, string? filename, Stream content, long? expectedSize, string? expectedSha256, CancellationToken ct = default)
    {
        var checkedRequest = await CheckNewUploadAsync(actor, filename, expectedSize, expectedSha256, ct);
        if (!checkedRequest.Succeeded)
        {
            return checkedRequest;
        }

        UserUpload entity;
        long used;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            entity = NewUpload(checkedRequest.Value!);
            used = await BytesUsedAsync(db, entity.CreatorId, null, null, ct);
            db.UserUploads.Add(entity);
            await db.SaveChangesAsync(ct);
        }

        var (limit, message) = Tightest(
            (Limits.MaxUploadBytes, UploadTooLarge()),
            (Limits.MaxBytesPerUser - used, QuotaReached()));
        using var hashing = new HashingReadStream(content, HashAlgorithmName.SHA256, limit, () => message);
        try
        {
            await blobs.WriteAsync(entity.FileKey, hashing, ct);
        }
        catch (Exception e)
        {
            await DeleteUploadAsync(entity.Id, entity.CreatorId, CancellationToken.None);
            if (e is UploadLimitExceededException)
            {
                return Result<UploadInfo>.Fail(e.Message);
            }

            throw;
        }

        var size = hashing.BytesRead;
        var sha256 = hashing.HexDigest();
        var problem = ContentProblem(size, sha256, entity.ExpectedSize, entity.ExpectedSha256, keptParts: false);
        if (problem is not null)
        {
            await DeleteUploadAsync(entity.Id, entity.CreatorId, CancellationToken.None);
            return Result<UploadInfo>.Fail(problem);
        }

        var completed = await MarkCompletedAsync(entity.Id, size, sha256, MimeSniffer.Sniff(hashing.Head, size <= MimeSniffer.HeadLength));
        if (completed is null)
        {
            await blobs.DeleteAsync(entity.FileKey, CancellationToken.None);
            return Result<UploadInfo>.Fail("The upload was removed while its file arrived.");
        }

        notifier.Publish(TopicFor(entity.CreatorId), entity.Id);
        return Result<UploadInfo>.Ok(completed);
    }

    public async Task<UploadResult<UploadInfo>> GetAsync(Actor actor, Guid uploadId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var upload = await FindOwnAsync(db, actor, uploadId, null, ct);
        return upload is null ? UploadResult<UploadInfo>.Missing() : UploadResult<UploadInfo>.Ok(UploadInfo.From(upload));
    }

    public async Task<(int Count, IReadOnlyList<UploadInfo> Items)> ListAsync(Actor actor, int offset, int limit, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return (0, []);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var own = db.UserUploads.AsNoTracking().Where(u => u.CreatorId == userId);
        var count = await own.CountAsync(ct);
        var items = await own.OrderByDescending(u => u.Created).ThenByDescending(u => u.Id).Skip(offset).Take(limit).ToListAsync(ct);
        return (count, items.Select(UploadInfo.From).ToList());
    }

    public async Task<UploadUsage> UsageAsync(Actor actor, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return new UploadUsage(0, Limits.MaxBytesPerUser, 0, Limits.MaxUploadsPerUser);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var count = await db.UserUploads.CountAsync(u => u.CreatorId == userId && u.Status != UploadStatus.Aborted, ct);
        return new UploadUsage(await BytesUsedAsync(db, userId, null, null, ct), Limits.MaxBytesPerUser, count, Limits.MaxUploadsPerUser);
    }

    public async Task<UploadResult<PresignedParts>> PresignPartsAsync(
        Actor actor, Guid uploadId, string uploadKey, IReadOnlyList<int>? partNumbers, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var upload = await FindOwnAsync(db, actor, uploadId, uploadKey, ct);
        if (upload is null)
        {
            return UploadResult<PresignedParts>.Missing();
        }

        if (partNumbers is null || partNumbers.Count == 0)
        {
            return UploadResult<PresignedParts>.Fail("List the part numbers to sign: {\"part_numbers\": [1, 2, ...]}.");
        }

        if (partNumbers.Where(n => n is < 1 or > UserUpload.MaxPartNumber).Take(1).ToList() is [var bad])
        {
            return UploadResult<PresignedParts>.Fail($"Part numbers run from 1 to {UserUpload.MaxPartNumber}; {bad} is not one.");
        }

        if (NotOpen(upload) is { } closed)
        {
            return UploadResult<PresignedParts>.Fail(closed);
        }

        if (await BytesUsedAsync(db, upload.CreatorId, null, null, ct) >= Limits.MaxBytesPerUser)
        {
            return UploadResult<PresignedParts>.Fail(QuotaReached());
        }

        var expires = (clock.GetUtcNow() + Limits.PresignedUrlLifetime).ToUnixTimeSeconds();
        var signatures = partNumbers.Distinct().Order()
            .Select(n => new PartSignature(n, expires, signer.Sign(upload.Id, upload.UploadKey, n, expires)))
            .ToList();
        return UploadResult<PresignedParts>.Ok(new PresignedParts(UploadInfo.From(upload), signatures));
    }

    public PartSignatureCheck CheckPartSignature(Guid uploadId, string uploadKey, int partNumber, long expiresUnix, string? signature) =>
        signer.Check(uploadId, uploadKey, partNumber, expiresUnix, signature, clock.GetUtcNow());

    public async Task<UploadResult<StoredPart>> WritePartAsync(
        Guid uploadId, string uploadKey, int partNumber, Stream body, long? contentLength, string? contentMd5, CancellationToken ct = default)
    {
        if (partNumber is < 1 or > UserUpload.MaxPartNumber)
        {
            return UploadResult<StoredPart>.Fail($"Part numbers run from 1 to {UserUpload.MaxPartNumber}; {partNumber} is not one.");
        }

        Guid creatorId;
        long limit;
        string message;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var upload = await db.UserUploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId, ct);
            if (upload is null || !KeyMatches(upload, uploadKey))
            {
                return UploadResult<StoredPart>.Missing();
            }

            if (NotOpen(upload) is { } closed)
            {
                return UploadResult<StoredPart>.Fail(closed);
            }

            creatorId = upload.CreatorId;
            var otherParts = await db.UploadParts.Where(p => p.UploadId == uploadId && p.PartNumber != partNumber).SumAsync(p => p.Size, ct);
            var used = await BytesUsedAsync(db, creatorId, uploadId, partNumber, ct);
            (limit, message) = Tightest(
                (Limits.MaxPartBytes, $"Part {partNumber} is larger than the limit of {ByteSize.Format(Limits.MaxPartBytes)} per part."),
                (Limits.MaxUploadBytes - otherParts, UploadTooLarge()),
                (Limits.MaxBytesPerUser - used, QuotaReached()));
        }

        // Refused before a byte is read when the client says up front how much it sends.
        if (contentLength > limit)
        {
            return UploadResult<StoredPart>.Fail(message);
        }

        var part = new UploadPart { UploadId = uploadId, PartNumber = partNumber, ETag = "", Created = default };
        var key = UploadPart.BlobKeyOf(creatorId, uploadId, part.Id);
        using (var hashing = new HashingReadStream(body, HashAlgorithmName.MD5, limit, () => message))
        {
            try
            {
                await blobs.WriteAsync(key, hashing, ct);
            }
            catch (UploadLimitExceededException e)
            {
                return UploadResult<StoredPart>.Fail(e.Message);
            }

            part.Size = hashing.BytesRead;
            part.ETag = hashing.HexDigest();
        }

        if (contentMd5 is not null && !Md5Matches(contentMd5, part.ETag))
        {
            await blobs.DeleteAsync(key, CancellationToken.None);
            return UploadResult<StoredPart>.Fail($"Part {partNumber} does not match its Content-MD5 header; it was not stored. Send it again.");
        }

        // The blob is in place; now it replaces the previous part of that number, if any. A concurrent write of the
        // same part makes one of the two saves fail, which then tries again against the other's row.
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var upload = await db.UserUploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId, CancellationToken.None);
            if (upload is null || NotOpen(upload) is not null)
            {
                await blobs.DeleteAsync(key, CancellationToken.None);
                return upload is null ? UploadResult<StoredPart>.Missing() : UploadResult<StoredPart>.Fail(NotOpen(upload)!);
            }

            var previous = await db.UploadParts.Where(p => p.UploadId == uploadId && p.PartNumber == partNumber).ToListAsync(CancellationToken.None);
            db.UploadParts.RemoveRange(previous);
            part.Created = clock.GetUtcNow();
            db.UploadParts.Add(part);
            try
            {
                await db.SaveChangesAsync(CancellationToken.None);
            }
            catch (DbUpdateException) when (attempt < MaxPartWriteAttempts)
            {
                // Each round of racing writers lets one win, so a writer may lose once per rival: retry, spread out.
                await Task.Delay(Random.Shared.Next(5, 25 * attempt), CancellationToken.None);
                continue;
            }

            foreach (var old in previous)
            {
                await blobs.DeleteAsync(UploadPart.BlobKeyOf(creatorId, uploadId, old.Id), CancellationToken.None);
            }

            return UploadResult<StoredPart>.Ok(new StoredPart(part.PartNumber, part.Size, part.ETag, part.Created));
        }
    }

    public async Task<UploadResult<UploadWithParts>> ListPartsAsync(Actor actor, Guid uploadId, string uploadKey, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var upload = await FindOwnAsync(db, actor, uploadId, uploadKey, ct);
        if (upload is null)
        {
            return UploadResult<UploadWithParts>.Missing();
        }

        var parts = await db.UploadParts.AsNoTracking().Where(p => p.UploadId == uploadId).OrderBy(p => p.PartNumber).ToListAsync(ct);
        return UploadResult<UploadWithParts>.Ok(new UploadWithParts(
            UploadInfo.From(upload),
            parts.Select(p => new StoredPart(p.PartNumber, p.Size, p.ETag, p.Created)).ToList()));
    }

    public async Task<UploadResult<UploadInfo>> CompleteAsync(
        Actor actor, Guid uploadId, string uploadKey, IReadOnlyList<PartReference>? parts, CancellationToken ct = default)
    {
        UserUpload upload;
        List<UploadPart> stored;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            var found = await FindOwnAsync(db, actor, uploadId, uploadKey, ct);
            if (found is null)
            {
                return UploadResult<UploadInfo>.Missing();
            }

            upload = found;
            stored = await db.UploadParts.AsNoTracking().Where(p => p.UploadId == uploadId).OrderBy(p => p.PartNumber).ToListAsync(ct);
        }

        // Completing again (a client retrying after a lost answer) gets the same answer.
        if (upload.Status == UploadStatus.Completed)
        {
            return UploadResult<UploadInfo>.Ok(UploadInfo.From(upload));
        }

        if (NotOpen(upload) is { } closed)
        {
            return UploadResult<UploadInfo>.Fail(closed);
        }

        if (CheckPartList(parts, stored) is { } listProblem)
        {
            return UploadResult<UploadInfo>.Fail(listProblem);
        }

        var total = stored.Sum(p => p.Size);
        if (upload.ExpectedSize is { } expectedSize && total != expectedSize)
        {
            return UploadResult<UploadInfo>.Fail(
                $"The parts add up to {total} bytes, but the upload was created with a size of {expectedSize} bytes. " +
                "Nothing was assembled and the parts are kept: send the wrong parts again, then complete again.");
        }

        if (total > Limits.MaxUploadBytes)
        {
            return UploadResult<UploadInfo>.Fail(UploadTooLarge());
        }

        // Assembly runs to its end even when the client goes away, so that completing again finds the upload completed.
        var fileKey = upload.FileKey;
        var sources = stored.Select(p => (p.PartNumber, UploadPart.BlobKeyOf(upload.CreatorId, upload.Id, p.Id), p.Size)).ToList();
        string sha256;
        string mimeType;
        await using (var concatenated = new ConcatenatedPartsStream(blobs, sources))
        using (var hashing = new HashingReadStream(concatenated, HashAlgorithmName.SHA256, long.MaxValue, () => ""))
        {
            try
            {
                await blobs.WriteAsync(fileKey, hashing, CancellationToken.None);
            }
            catch (UploadPartMissingException e)
            {
                return UploadResult<UploadInfo>.Fail(e.Message);
            }

            sha256 = hashing.HexDigest();
            mimeType = MimeSniffer.Sniff(hashing.Head, total <= MimeSniffer.HeadLength);
        }

        if (ContentProblem(total, sha256, upload.ExpectedSize, upload.ExpectedSha256, keptParts: true) is { } contentProblem)
        {
            await blobs.DeleteAsync(fileKey, CancellationToken.None);
            return UploadResult<UploadInfo>.Fail(contentProblem);
        }

        var completed = await MarkCompletedAsync(upload.Id, total, sha256, mimeType);
        if (completed is null)
        {
            // Aborted, expired or completed by a concurrent request while this one assembled.
            var now = await GetAsync(actor, uploadId, CancellationToken.None);
            if (now.Value is { Status: UploadStatus.Completed } other)
            {
                return UploadResult<UploadInfo>.Ok(other);
            }

            await blobs.DeleteAsync(fileKey, CancellationToken.None);
            return now.NotFound
                ? UploadResult<UploadInfo>.Missing()
                : UploadResult<UploadInfo>.Fail("This upload was aborted while it was being completed. Start a new upload.");
        }

        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            await db.UploadParts.Where(p => p.UploadId == uploadId).ExecuteDeleteAsync(CancellationToken.None);
        }

        await blobs.DeletePrefixAsync(UserUpload.PartsPrefixOf(upload.CreatorId, upload.Id), CancellationToken.None);
        notifier.Publish(TopicFor(upload.CreatorId), upload.Id);
        return UploadResult<UploadInfo>.Ok(completed);
    }

    public async Task<UploadResult<UploadInfo>> AbortAsync(Actor actor, Guid uploadId, string uploadKey, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var upload = await FindOwnAsync(db, actor, uploadId, uploadKey, ct);
        if (upload is null)
        {
            return UploadResult<UploadInfo>.Missing();
        }

        if (upload.Status == UploadStatus.Initialized)
        {
            var now = clock.GetUtcNow();
            var changed = await db.UserUploads
                .Where(u => u.Id == uploadId && u.Status == UploadStatus.Initialized)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Status, UploadStatus.Aborted).SetProperty(u => u.Modified, now), ct);
            if (changed == 1)
            {
                await db.UploadParts.Where(p => p.UploadId == uploadId).ExecuteDeleteAsync(CancellationToken.None);
                await blobs.DeletePrefixAsync(UserUpload.PrefixOf(upload.CreatorId, upload.Id), CancellationToken.None);
                notifier.Publish(TopicFor(upload.CreatorId), upload.Id);
            }

            upload = await db.UserUploads.AsNoTracking().SingleAsync(u => u.Id == uploadId, CancellationToken.None);
        }

        return upload.Status switch
        {
            UploadStatus.Aborted => UploadResult<UploadInfo>.Ok(UploadInfo.From(upload)),
            _ => UploadResult<UploadInfo>.Fail("This upload is completed and can no longer be aborted. Delete it instead if you no longer need it."),
        };
    }

    public async Task<UploadResult<OpenedUpload>> OpenCompletedAsync(Actor actor, Guid uploadId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var upload = await FindOwnAsync(db, actor, uploadId, null, ct);
        if (upload is null)
        {
            return UploadResult<OpenedUpload>.Missing();
        }

        if (upload.Status != UploadStatus.Completed)
        {
            return UploadResult<OpenedUpload>.Fail($"The upload '{upload.Filename}' is not completed; finish it before using it.");
        }

        return UploadResult<OpenedUpload>.Ok(new OpenedUpload(UploadInfo.From(upload), blobs.OpenRead(upload.FileKey)));
    }

    public async Task<bool> DeleteAsync(Actor actor, Guid uploadId, CancellationToken ct = default)
    {
        UserUpload? upload;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            upload = await FindOwnAsync(db, actor, uploadId, null, ct);
        }

        if (upload is null)
        {
            return false;
        }

        await DeleteUploadAsync(upload.Id, upload.CreatorId, ct);
        notifier.Publish(TopicFor(upload.CreatorId), upload.Id);
        return true;
    }

    public async Task<int> DeleteExpiredAsync(CancellationToken ct = default)
    {
        var cutoff = clock.GetUtcNow() - Limits.ExpireAfter;
        var deleted = 0;
        while (true)
        {
            List<(Guid Id, Guid CreatorId)> batch;
            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                batch = (await db.UserUploads.AsNoTracking()
                        .Where(u => (u.Status == UploadStatus.Initialized && u.Created < cutoff) || u.Status == UploadStatus.Aborted)
                        .OrderBy(u => u.Created)
                        .Select(u => new { u.Id, u.CreatorId })
                        .Take(200)
                        .ToListAsync(ct))
                    .Select(u => (u.Id, u.CreatorId))
                    .ToList();
            }

            var before = deleted;
            foreach (var (id, creatorId) in batch)
            {
                // Deleted only if still stale: a completion that won the race keeps its upload.
                if (await DeleteUploadAsync(id, creatorId, ct, u => (u.Status == UploadStatus.Initialized && u.Created < cutoff) || u.Status == UploadStatus.Aborted))
                {
                    deleted++;
                    notifier.Publish(TopicFor(creatorId), id);
                }
            }

            if (batch.Count < 200 || deleted == before)
            {
                break;
            }
        }

        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} expired or aborted upload(s)", deleted);
        }

        return deleted;
    }

    private async Task<Result<UploadInfo>> CheckNewUploadAsync(Actor actor, string? filename, long? expectedSize, string? expectedSha256, CancellationToken ct)
    {
        if (actor.UserId is not { } userId)
        {
            return Result<UploadInfo>.Fail("Sign in to upload files.");
        }

        if (ValidateFilename(filename) is { } filenameProblem)
        {
            return Result<UploadInfo>.Invalid("filename", filenameProblem);
        }

        if (expectedSize is < 0)
        {
            return Result<UploadInfo>.Invalid("size", "The size cannot be negative.");
        }

        if (expectedSize > Limits.MaxUploadBytes)
        {
            return Result<UploadInfo>.Invalid("size", UploadTooLarge());
        }

        if (expectedSha256 is not null && !Sha256Hex().IsMatch(expectedSha256))
        {
            return Result<UploadInfo>.Invalid("sha256", "The SHA-256 must be 64 hexadecimal characters.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.UserUploads.CountAsync(u => u.CreatorId == userId && u.Status != UploadStatus.Aborted, ct) >= Limits.MaxUploadsPerUser)
        {
            return Result<UploadInfo>.Fail(
                $"You have created too many uploads. Please try again later. (At most {Limits.MaxUploadsPerUser} per user; delete the ones you no longer need.)");
        }

        var used = await BytesUsedAsync(db, userId, null, null, ct);
        if (used >= Limits.MaxBytesPerUser || used + (expectedSize ?? 0) > Limits.MaxBytesPerUser)
        {
            return Result<UploadInfo>.Fail(QuotaReached());
        }

        var now = clock.GetUtcNow();
        return Result<UploadInfo>.Ok(new UploadInfo(
            Guid.CreateVersion7(), userId, filename!, UploadStatus.Initialized, NewUploadKey(),
            expectedSize, expectedSha256?.ToLowerInvariant(), null, null, null, now, now));
    }

    private static UserUpload NewUpload(UploadInfo info) => new()
    {
        Id = info.Id,
        CreatorId = info.CreatorId,
        Filename = info.Filename,
        UploadKey = info.UploadKey,
        ExpectedSize = info.ExpectedSize,
        ExpectedSha256 = info.ExpectedSha256,
    };

    /// <summary>The upload if it exists, belongs to the actor and (when given) carries that key; otherwise null, which callers answer as 404.</summary>
    private static async Task<UserUpload?> FindOwnAsync(AppDbContext db, Actor actor, Guid uploadId, string? uploadKey, CancellationToken ct)
    {
        if (actor.UserId is not { } userId)
        {
            return null;
        }

        var upload = await db.UserUploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == uploadId && u.CreatorId == userId, ct);
        return upload is not null && (uploadKey is null || KeyMatches(upload, uploadKey)) ? upload : null;
    }

    private static bool KeyMatches(UserUpload upload, string uploadKey) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(upload.UploadKey), Encoding.UTF8.GetBytes(uploadKey));

    /// <summary>Completed uploads plus the stored parts of unfinished ones, optionally leaving out one part that is about to be replaced.</summary>
    private static async Task<long> BytesUsedAsync(AppDbContext db, Guid userId, Guid? exceptUpload, int? exceptPart, CancellationToken ct)
    {
        var completed = await db.UserUploads
            .Where(u => u.CreatorId == userId && u.Status == UploadStatus.Completed)
            .SumAsync(u => u.Size, ct) ?? 0;
        var parts = await db.UserUploads
            .Where(u => u.CreatorId == userId && u.Status == UploadStatus.Initialized)
            .SelectMany(u => u.Parts)
            .Where(p => !(p.UploadId == exceptUpload && p.PartNumber == exceptPart))
            .SumAsync(p => p.Size, ct);
        return completed + parts;
    }

    private async Task<UploadInfo?> MarkCompletedAsync(Guid uploadId, long size, string sha256, string mimeType)
    {
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var changed = await db.UserUploads
            .Where(u => u.Id == uploadId && u.Status == UploadStatus.Initialized)
            .ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Status, UploadStatus.Completed)
                .SetProperty(u => u.Size, size)
                .SetProperty(u => u.Sha256, sha256)
                .SetProperty(u => u.MimeType, mimeType)
                .SetProperty(u => u.Modified, now));
        return changed == 0 ? null : UploadInfo.From(await db.UserUploads.AsNoTracking().SingleAsync(u => u.Id == uploadId));
    }

    /// <summary>Removes the upload's row (and parts) when it matches <paramref name="stillMatches"/>, then its files.</summary>
    private async Task<bool> DeleteUploadAsync(Guid uploadId, Guid creatorId, CancellationToken ct, System.Linq.Expressions.Expression<Func<UserUpload, bool>>? stillMatches = null)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var rows = db.UserUploads.Where(u => u.Id == uploadId);
            if (stillMatches is not null)
            {
                rows = rows.Where(stillMatches);
            }

            if (!await rows.AnyAsync(ct))
            {
                return false;
            }

            await db.UploadParts.Where(p => p.UploadId == uploadId).ExecuteDeleteAsync(ct);
            if (await rows.ExecuteDeleteAsync(ct) == 0)
            {
                await transaction.RollbackAsync(ct);
                return false;
            }

            await transaction.CommitAsync(ct);
        }

        await blobs.DeletePrefixAsync(UserUpload.PrefixOf(creatorId, uploadId), CancellationToken.None);
        return true;
    }

    private static string? CheckPartList(IReadOnlyList<PartReference>? parts, IReadOnlyList<UploadPart> stored)
    {
        if (parts is null || parts.Count == 0)
        {
            return "List the parts to complete: {\"parts\": [{\"ETag\": \"...\", \"PartNumber\": 1}, ...]}.";
        }

        if (parts.GroupBy(p => p.PartNumber).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return $"Part {twice.Key} is listed more than once.";
        }

        var byNumber = stored.ToDictionary(p => p.PartNumber);
        foreach (var part in parts.OrderBy(p => p.PartNumber))
        {
            if (!byNumber.TryGetValue(part.PartNumber, out var match))
            {
                return $"Part {part.PartNumber} has not been uploaded. Send it, then complete the upload.";
            }

            var etag = NormalizeETag(part.ETag);
            if (etag != match.ETag)
            {
                return $"Part {part.PartNumber} is listed with ETag '{part.ETag}', but the stored part has ETag \"{match.ETag}\". " +
                    "Send the part again or list the ETag its upload was answered with.";
            }
        }

        var unlisted = stored.Select(p => p.PartNumber).Except(parts.Select(p => p.PartNumber)).ToList();
        return unlisted.Count == 0
            ? null
            : $"Every uploaded part must be listed; missing from the list: part {string.Join(", ", unlisted)}.";
    }

    private static string NormalizeETag(string? etag) => (etag ?? "").Trim().Trim('"').ToLowerInvariant();

    private static bool Md5Matches(string contentMd5Base64, string md5Hex)
    {
        try
        {
            return Convert.ToHexStringLower(Convert.FromBase64String(contentMd5Base64.Trim())) == md5Hex;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string? ContentProblem(long size, string sha256, long? expectedSize, string? expectedSha256, bool keptParts)
    {
        var retry = keptParts
            ? "The parts are kept: send the wrong parts again, then complete again."
            : "Nothing was stored; send the file again.";
        if (expectedSize is { } expected && size != expected)
        {
            return $"The file has {size} bytes, but the upload was created with a size of {expected} bytes. {retry}";
        }

        if (expectedSha256 is not null && sha256 != expectedSha256)
        {
            return $"The file's SHA-256 is {sha256}, but the upload was created with SHA-256 {expectedSha256}. {retry}";
        }

        return null;
    }

    private static string? NotOpen(UserUpload upload) => upload.Status switch
    {
        UploadStatus.Completed => "This upload is already completed; its parts can no longer change.",
        UploadStatus.Aborted => "This upload was aborted. Start a new upload.",
        _ => null,
    };

    private static (long Limit, string Message) Tightest(params (long Limit, string Message)[] limits)
    {
        var tightest = limits.MinBy(l => l.Limit);
        return (Math.Max(0, tightest.Limit), tightest.Message);
    }

    private string UploadTooLarge() => $"The upload is larger than the limit of {ByteSize.Format(Limits.MaxUploadBytes)} per upload.";

    private string QuotaReached() =>
        $"Upload limit reached: your uploads may hold at most {ByteSize.Format(Limits.MaxBytesPerUser)} in all, counting unfinished ones. " +
        "Delete uploads you no longer need, or finish or abort the unfinished ones.";

    private static string NewUploadKey() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(24));

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Evaluations;

public interface IGroundTruthService
{
    /// <summary>Checks and stores a ground-truth archive (.tar.gz, .tgz or .zip) for a phase; the new version becomes the active one.</summary>
    Task<Result<GroundTruth>> UploadAsync(Actor actor, Guid phaseId, Stream archive, string filename, string? comment, CancellationToken ct = default);

    Task<IReadOnlyList<GroundTruth>?> ListAsync(Actor actor, Guid phaseId, CancellationToken ct = default);

    /// <summary>Makes a version the active one, or (with <paramref name="active"/> false) leaves the phase without ground truth.</summary>
    Task<Result<GroundTruth>> SetActiveAsync(Actor actor, Guid groundTruthId, bool active, CancellationToken ct = default);
}

/// <summary>
/// Ground truth never reaches participants: only challenge admins upload, list or switch versions, and the archive is
/// only ever unpacked into evaluation containers. Archives are unpacked once on upload under the same rules as
/// predictions zips (no links, no paths outside, size, count and ratio limits) and stored re-packed as .tar.gz, so
/// what the container gets is exactly what was checked.
/// </summary>
public sealed class GroundTruthService(
    IDbContextFactory<AppDbContext> dbFactory,
    IPhaseService phases,
    IBlobStore blobs,
    DataDirectory data,
    IOptions<EvaluationOptions> options,
    IChangeNotifier notifier,
    TimeProvider clock) : IGroundTruthService
{
    public const string BadFilename = "Ground truth must be a .tar.gz, .tgz or .zip archive.";

    public async Task<Result<GroundTruth>> UploadAsync(Actor actor, Guid phaseId, Stream archive, string filename, string? comment, CancellationToken ct = default)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { IsAdmin: true })
        {
            return Result<GroundTruth>.Fail("Only the challenge's admins may upload ground truth.");
        }

        filename = Path.GetFileName((filename ?? "").Replace('\\', '/')).Trim();
        var lower = filename.ToLowerInvariant();
        var isZip = lower.EndsWith(".zip");
        if (!(isZip || lower.EndsWith(".tar.gz") || lower.EndsWith(".tgz")) || filename.Length > 255)
        {
            return Result<GroundTruth>.Invalid("file", BadFilename);
        }

        var work = Path.Combine(data.Folder("tmp"), $"ground-truth-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var spooled = Path.Combine(work, "upload");
            var (size, sha256) = await SpoolAsync(archive, spooled, options.Value.MaxGroundTruthBytes, ct);
            if (size < 0)
            {
                return Result<GroundTruth>.Invalid("file", $"The archive is larger than {options.Value.MaxGroundTruthBytes:N0} bytes.");
            }

            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                if (await db.GroundTruths.AnyAsync(g => g.PhaseId == phaseId && g.Sha256 == sha256, ct))
                {
                    return Result<GroundTruth>.Invalid("file", "This phase already has this exact ground truth (same sha256).");
                }
            }

            var unpacked = Path.Combine(work, "unpacked");
            try
            {
                await using var source = File.OpenRead(spooled);
                if (isZip)
                {
                    var limits = new ComponentsOptions
                    {
                        MaxZipBytes = options.Value.MaxGroundTruthUnpackedBytes,
                        MaxZipEntries = options.Value.MaxGroundTruthFiles,
                        MaxZipCompressionRatio = options.Value.MaxCompressionRatio,
                    };
                    await new ZipInputExtractor(limits).ExtractAsync(source, unpacked, null, ct);
                }
                else
                {
                    await UnpackTarGzAsync(source, size, unpacked, options.Value, ct);
                }
            }
            catch (InputStagingException e)
            {
                return Result<GroundTruth>.Invalid("file", e.Message.Replace("zip file", "archive").Replace("input folder", "ground truth folder"));
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                return Result<GroundTruth>.Invalid("file", $"The archive could not be read: {e.Message}");
            }

            var fileCount = Directory.EnumerateFiles(unpacked, "*", SearchOption.AllDirectories).Count();
            if (fileCount == 0)
            {
                return Result<GroundTruth>.Invalid("file", "The archive contains no files.");
            }

            var truth = new GroundTruth
            {
                PhaseId = phaseId,
                CreatorId = actor.UserId,
                Filename = filename,
                BlobKey = "",
                Sha256 = sha256,
                SizeBytes = size,
                FileCount = fileCount,
                Comment = (comment ?? "").Trim() is var c && c.Length > 1000 ? c[..1000] : c,
                IsDesiredVersion = true,
            };
            truth.BlobKey = $"ground-truths/{truth.Id}/ground-truth.tar.gz";
            var packed = Path.Combine(work, "packed.tar.gz");
            await using (var output = File.Create(packed))
            await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            {
                await TarFile.CreateFromDirectoryAsync(unpacked, gzip, includeBaseDirectory: false, ct);
            }

            await using (var packedStream = File.OpenRead(packed))
            {
                await blobs.WriteAsync(truth.BlobKey, packedStream, ct);
            }

            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await db.GroundTruths.Where(g => g.PhaseId == phaseId && g.IsDesiredVersion)
                    .ExecuteUpdateAsync(s => s.SetProperty(g => g.IsDesiredVersion, false).SetProperty(g => g.Modified, clock.GetUtcNow()), ct);
                db.GroundTruths.Add(truth);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }

            notifier.Publish(EvaluationTopics.GroundTruths(phaseId), phaseId);

            return Result<GroundTruth>.Ok(truth);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    public async Task<IReadOnlyList<GroundTruth>?> ListAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        if (await phases.FindAsync(actor, phaseId, ct) is not { IsAdmin: true })
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.GroundTruths.AsNoTracking().Where(g => g.PhaseId == phaseId).OrderByDescending(g => g.Created).ToListAsync(ct);
    }

    public async Task<Result<GroundTruth>> SetActiveAsync(Actor actor, Guid groundTruthId, bool active, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var truth = await db.GroundTruths.FirstOrDefaultAsync(g => g.Id == groundTruthId, ct);
        if (truth is null || await phases.FindAsync(actor, truth.PhaseId, ct) is not { IsAdmin: true })
        {
            return Result<GroundTruth>.Fail("No such ground truth.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (active)
        {
            await db.GroundTruths.Where(g => g.PhaseId == truth.PhaseId && g.IsDesiredVersion && g.Id != truth.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.IsDesiredVersion, false), ct);
        }

        truth.IsDesiredVersion = active;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(EvaluationTopics.GroundTruths(truth.PhaseId), truth.PhaseId);
        return Result<GroundTruth>.Ok(truth);
    }

    /// <summary>Copies an upload to <paramref name="path"/> while hashing it; size -1 when it passes <paramref name="maxBytes"/>.</summary>
    internal static async Task<(long Size, string Sha256)> SpoolAsync(Stream content, string path, long maxBytes, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var file = File.Create(path);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                return (-1, "");
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>
    /// Unpacks regular files and folders only; links, devices, absolute paths and '..' are refused, sizes and counts are
    /// capped. Algorithm model tarballs are checked by the same rules and limits.
    /// </summary>
    internal static async Task UnpackTarGzAsync(Stream source, long packedSize, string destination, EvaluationOptions limits, CancellationToken ct)
    {
        InputStager.EnsureDirectory(destination);
        await using var gzip = new GZipStream(source, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        long written = 0;
        var files = 0;
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            var name = entry.Name.Replace('\\', '/');
            var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (name.StartsWith('/') || segments.Any(s => s is "..") || name.Any(char.IsControl))
            {
                throw new InputStagingException($"The archive contains '{entry.Name}', which is not a plain relative path.");
            }

            segments = [.. segments.Where(s => s != ".")];
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (segments.Length > 0)
                    {
                        InputStager.EnsureDirectory(Path.Combine([destination, .. segments]));
                    }

                    continue;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    break;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    throw new InputStagingException($"The archive contains a link ('{entry.Name}'), which is not allowed.");
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes:
                    continue;
                default:
                    throw new InputStagingException($"The archive contains '{entry.Name}', which is not a regular file or folder.");
            }

            if (segments.Length == 0)
            {
                continue;
            }

            if (++files > limits.MaxGroundTruthFiles)
            {
                throw new InputStagingException($"The archive has more than {limits.MaxGroundTruthFiles:N0} files.");
            }

            var target = Path.GetFullPath(Path.Combine([destination, .. segments]));
            if (!SafePaths.IsInside(destination, target))
            {
                throw new InputStagingException($"The archive contains '{entry.Name}', which points outside the archive's folder.");
            }

            InputStager.EnsureDirectory(Path.GetDirectoryName(target)!);
            await using var output = InputStager.CreateFile(target, entry.Name);
            if (entry.DataStream is { } data)
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await data.ReadAsync(buffer, ct)) > 0)
                {
                    written += read;
                    if (written > limits.MaxGroundTruthUnpackedBytes)
                    {
                        throw new InputStagingException($"The archive unpacks to more than {limits.MaxGroundTruthUnpackedBytes:N0} bytes.");
                    }

                    if (written > (1L << 20) && written > (packedSize + 1) * limits.MaxCompressionRatio)
                    {
                        throw new InputStagingException($"The archive is compressed more than {limits.MaxCompressionRatio}:1, which is not allowed.");
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
        }
    }
}

using System.Security.Cryptography;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace GrandChallenge.Domain.Cases;

/// <summary>
/// Runs the import of one <see cref="UploadSession"/>: copies its files into a private work directory, unpacks archives,
/// runs every <see cref="IImageBuilder"/> in order on the files no earlier builder consumed, stores each image
/// (a compressed <c>.mha</c>, or a TIFF as it is) with its <see cref="Image"/> and <see cref="ImageFile"/> rows, and hands
/// the images to the session's destinations. Files that became no image are listed with the reason. Progress and the
/// outcome are published on <see cref="TopicFor"/>. The work directory is always deleted; after an unexpected error
/// nothing of the import is kept.
/// </summary>
public sealed class ImageImporter(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IEnumerable<IImageBuilder> builders,
    IEnumerable<IUploadSessionDestination> destinations,
    ImageUnpacker unpacker,
    IChangeNotifier notifier,
    DataDirectory dataDirectory,
    ILogger<ImageImporter> logger)
{
    public const string NotSupportedMessage = "Not a supported image file.";
    public const string UnexpectedErrorMessage =
        "The import stopped because of an internal error; no images were stored. Try again, or tell the site admins if it happens again.";

    private const int MaxSegments = 64;

    /// <summary>The <see cref="IChangeNotifier"/> topic of a session (payload: the session id).</summary>
    public static string TopicFor(Guid sessionId) => $"upload-session:{sessionId:D}";

    public async Task ImportAsync(Guid sessionId, CancellationToken ct = default)
    {
        UploadSession? session;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            session = await db.UploadSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            if (session is null || session.IsFinished)
            {
                return;
            }

            session.Status = UploadSessionStatus.Started;
            session.ErrorMessage = "";
            session.FileErrors = [];
            session.ConsumedFiles = [];
            session.FilesProcessed = 0;
            session.FilesTotal = 0;
            await db.SaveChangesAsync(ct);
        }

        notifier.Publish(TopicFor(sessionId), sessionId);
        var work = Path.Combine(dataDirectory.Folder("imports"), $"{sessionId:N}-{Guid.NewGuid():N}");
        var stored = new List<string>();
        try
        {
            await RunAsync(session, work, stored, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await DeleteBlobsAsync(stored);
            await FinishAsync(sessionId, s => s.Status = UploadSessionStatus.ReQueued);
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Import of upload session {Id} failed unexpectedly", sessionId);
            await DeleteBlobsAsync(stored);
            await FinishAsync(sessionId, s =>
            {
                s.Status = UploadSessionStatus.Failed;
                s.ErrorMessage = UnexpectedErrorMessage;
            });
        }
        finally
        {
            DeleteDirectory(work);
        }
    }

    private async Task RunAsync(UploadSession session, string work, List<string> stored, CancellationToken ct)
    {
        var targets = destinations.Where(d => d.Handles(session)).ToList();
        if (targets.Count == 0)
        {
            await FinishAsync(session.Id, s =>
            {
                s.Status = UploadSessionStatus.Failed;
                s.ErrorMessage = "No destination takes the images of this upload session (the archive or item may have been deleted).";
            });
            return;
        }

        byte[]? key = null;
        foreach (var target in targets)
        {
            key ??= await target.DeidentificationKeyAsync(session, ct);
        }

        var fileErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = await CopyInputsAsync(session, Path.Combine(work, "input"), fileErrors, ct);
        var unpacked = unpacker.Unpack(inputs, work, ct);
        foreach (var (name, message) in unpacked.FileErrors)
        {
            fileErrors[name] = message;
        }

        var names = unpacked.Files.ToDictionary(f => f.Path, f => f.Name, StringComparer.Ordinal);
        await ProgressAsync(session.Id, 0, names.Count, ct);

        var remaining = unpacked.Files.Select(f => f.Path).ToList();
        var built = new List<BuiltImage>();
        var consumed = new List<string>();
        try
        {
            var context = new ImageBuildContext(work, key, ImageReadOptions.Default with { TemporaryDirectory = work });
            foreach (var builder in builders.OrderBy(b => b.Order))
            {
                if (remaining.Count == 0)
                {
                    break;
                }

                var result = builder.Build(remaining, context, ct);
                built.AddRange(result.Images);
                foreach (var (path, message) in result.FileErrors)
                {
                    fileErrors[names.GetValueOrDefault(path, Path.GetFileName(path))] = message;
                }

                consumed.AddRange(result.Images.SelectMany(i => i.ConsumedFiles).Where(names.ContainsKey).Select(p => names[p]));
                remaining.RemoveAll(result.ConsumedFiles.Contains);
                await ProgressAsync(session.Id, names.Count - remaining.Count, names.Count, ct);
            }

            foreach (var path in remaining)
            {
                fileErrors[names[path]] = NotSupportedMessage;
            }

            var images = new List<Image>();
            foreach (var image in built)
            {
                images.Add(await StoreAsync(session.Id, image, work, stored, ct));
            }

            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                db.Images.AddRange(images);
                var row = await db.UploadSessions.FirstAsync(s => s.Id == session.Id, ct);
                row.FileErrors = fileErrors;
                row.ConsumedFiles = consumed.Distinct().ToList();
                row.FilesProcessed = names.Count;
                await db.SaveChangesAsync(ct);
            }

            stored.Clear(); // the rows now own the blobs
            if (images.Count == 0)
            {
                await FinishAsync(session.Id, s =>
                {
                    s.Status = UploadSessionStatus.Failed;
                    s.ErrorMessage = fileErrors.Count == 0
                        ? "The upload session holds no files."
                        : "None of the files could be imported as an image; see the errors per file.";
                });
                return;
            }

            var refusals = new List<string>();
            try
            {
                foreach (var target in targets)
                {
                    refusals.AddRange(await target.AcceptAsync(session, images, CancellationToken.None));
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The images are whole and stay listed on the session; only handing them over failed.
                logger.LogError(e, "Destination of upload session {Id} failed to take its images", session.Id);
                await FinishAsync(session.Id, s =>
                {
                    s.Status = UploadSessionStatus.Failed;
                    s.ErrorMessage = "The images were imported but could not be added to their destination because of an internal error.";
                });
                return;
            }

            await FinishAsync(session.Id, s =>
            {
                s.Status = UploadSessionStatus.Succeeded;
                s.ErrorMessage = Truncate(string.Join(" ", refusals), 2000);
            });
        }
        finally
        {
            foreach (var image in built)
            {
                image.Dispose();
            }
        }
    }

    /// <summary>Copies the session's blobs into <paramref name="directory"/>, each under its uploaded name.</summary>
    private async Task<List<ImportFile>> CopyInputsAsync(UploadSession session, string directory, Dictionary<string, string> fileErrors, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var inputs = new List<ImportFile>();
        for (var i = 0; i < session.Files.Count; i++)
        {
            var file = session.Files[i];
            var name = Path.GetFileName(file.Name.Replace('\\', '/'));
            if (name is "" or "." or "..")
            {
                name = $"file-{i}";
            }

            // Files of one upload share a folder so a header finds its data file; a second file of the same name gets its own.
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                Directory.CreateDirectory(Path.Combine(directory, $"{i}"));
                path = Path.Combine(directory, $"{i}", name);
            }

            if (!blobs.Exists(file.BlobKey))
            {
                fileErrors[file.Name] = "The uploaded file is no longer stored; upload it again.";
                continue;
            }

            await using (var source = blobs.OpenRead(file.BlobKey))
            await using (var destination = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                await source.CopyToAsync(destination, ct);
            }

            inputs.Add(new ImportFile(path, file.Name));
        }

        return inputs;
    }

    private async Task<Image> StoreAsync(Guid sessionId, BuiltImage built, string work, List<string> stored, CancellationToken ct)
    {
        var image = new Image { Name = Truncate(built.Name, Image.MaxNameLength), OriginId = sessionId };
        string localPath;
        ImageFileType type;
        string fileName;
        if (built.Volume is { } volume)
        {
            Describe(image, volume);
            fileName = $"{image.Id:D}.mha";
            localPath = Path.Combine(work, "output", fileName);
            Directory.CreateDirectory(Path.GetDirectoryName(localPath)!);
            MetaImageWriter.Write(volume, localPath, compress: true);
            type = ImageFileType.Mhd;
        }
        else if (built.Tiff is { } tiff)
        {
            Describe(image, tiff);
            fileName = $"{image.Id:D}.tif";
            localPath = tiff.Path;
            type = ImageFileType.Tiff;
        }
        else
        {
            throw new InvalidOperationException($"The builder returned image {built.Name} without a volume or a TIFF.");
        }

        var file = new ImageFile { ImageId = image.Id, ImageType = type, FileName = fileName };
        await using (var content = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            file.Sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
            content.Position = 0;
            stored.Add(file.BlobKey);
            file.SizeInStorage = await blobs.WriteAsync(file.BlobKey, content, ct);
        }

        image.Files.Add(file);
        return image;
    }

    private static void Describe(Image image, ImageVolume volume)
    {
        var metadata = ImageMetadata.From(volume, image.Name);
        image.Width = metadata.Width;
        image.Height = metadata.Height;
        image.Depth = metadata.Depth;
        image.Timepoints = metadata.Timepoints;
        image.Channels = volume.Channels;
        image.PixelType = volume.PixelType.ToString();
        image.ColorSpace = metadata.ColorSpace;
        image.VoxelWidthMm = metadata.VoxelWidthMm;
        image.VoxelHeightMm = metadata.VoxelHeightMm;
        image.VoxelDepthMm = metadata.VoxelDepthMm;
        image.Geometry = new ImageGeometry { Origin = [.. volume.Origin], Direction = [.. volume.Direction] };
        image.WindowCenter = metadata.WindowCenter;
        image.WindowWidth = metadata.WindowWidth;
        image.Modality = metadata.Modality is { } modality ? Truncate(modality, 16) : null;
        image.PatientId = Tag(volume, "PatientID", 64);
        image.PatientName = Tag(volume, "PatientName", 324);
        image.PatientBirthDate = Tag(volume, "PatientBirthDate", 16);
        image.PatientAge = Tag(volume, "PatientAge", 4);
        image.PatientSex = Tag(volume, "PatientSex", 1);
        image.StudyDate = Tag(volume, "StudyDate", 16);
        image.StudyInstanceUid = Tag(volume, "StudyInstanceUID", 64);
        image.SeriesInstanceUid = Tag(volume, "SeriesInstanceUID", 64);
        image.StudyDescription = Tag(volume, "StudyDescription", 64);
        image.SeriesDescription = Tag(volume, "SeriesDescription", 64);
        image.Segments = SegmentsOf(volume);
    }

    private static void Describe(Image image, TiffDescription tiff)
    {
        image.Width = tiff.Width;
        image.Height = tiff.Height;
        image.Channels = tiff.Channels;
        image.PixelType = tiff.PixelType.ToString();
        image.ColorSpace = tiff.ColorSpace.ApiName();
        image.ResolutionLevels = tiff.ResolutionLevels;
        image.VoxelWidthMm = tiff.VoxelWidthMm;
        image.VoxelHeightMm = tiff.VoxelHeightMm;
    }

    /// <summary>The distinct values of an 8-bit single-channel image when there are few enough to be labels.</summary>
    private static List<int>? SegmentsOf(ImageVolume volume)
    {
        if (volume.PixelType != PixelType.UInt8 || volume.Channels != 1)
        {
            return null;
        }

        var seen = new bool[256];
        var count = 0;
        var buffer = new byte[1 << 20];
        for (long offset = 0; offset < volume.Pixels.Length; offset += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, volume.Pixels.Length - offset));
            volume.Pixels.Read(offset, chunk);
            foreach (var b in chunk)
            {
                if (!seen[b])
                {
                    seen[b] = true;
                    if (++count > MaxSegments)
                    {
                        return null;
                    }
                }
            }
        }

        return Enumerable.Range(0, 256).Where(v => seen[v]).ToList();
    }

    private static string Tag(ImageVolume volume, string name, int maxLength) =>
        volume.Tags.TryGetValue(name, out var value) ? Truncate(value.Trim(), maxLength) : "";

    private static string Truncate(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];

    private async Task ProgressAsync(Guid sessionId, int processed, int total, CancellationToken ct)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            await db.UploadSessions.Where(s => s.Id == sessionId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.FilesProcessed, processed).SetProperty(s => s.FilesTotal, total), ct);
        }

        notifier.Publish(TopicFor(sessionId), sessionId);
    }

    private async Task FinishAsync(Guid sessionId, Action<UploadSession> change)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(CancellationToken.None))
        {
            if (await db.UploadSessions.FirstOrDefaultAsync(s => s.Id == sessionId) is { } session)
            {
                change(session);
                await db.SaveChangesAsync();
            }
        }

        notifier.Publish(TopicFor(sessionId), sessionId);
    }

    private async Task DeleteBlobsAsync(List<string> keys)
    {
        foreach (var key in keys)
        {
            try
            {
                await blobs.DeleteAsync(key);
            }
            catch (IOException e)
            {
                logger.LogWarning(e, "Could not delete {Key} of a failed import", key);
            }
        }
    }

    private void DeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the import work directory {Path}", path);
        }
    }
}

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
/// outcome are published on <see cref="TopicFor"/>. The work directory is always deleted; after an unexpected error or a
/// cancellation nothing of the import is kept. Once the session has ended, its uploaded files are deleted.
/// </summary>
public sealed class ImageImporter(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    IImageStore store,
    IEnumerable<IImageBuilder> builders,
    IEnumerable<IUploadSessionDestination> destinations,
    ImageUnpacker unpacker,
    IChangeNotifier notifier,
    DataDirectory dataDirectory,
    TimeProvider time,
    ILogger<ImageImporter> logger)
{
    public const string NotSupportedMessage = "Not a supported image file.";
    public const string UnexpectedErrorMessage =
        "The import stopped because of an internal error; no images were stored. Try again, or tell the site admins if it happens again.";

    /// <summary>The <see cref="IChangeNotifier"/> topic of a session (payload: the session id).</summary>
    public static string TopicFor(Guid sessionId) => $"upload-session:{sessionId:D}";

    public async Task ImportAsync(Guid sessionId, CancellationToken ct = default)
    {
        UploadSession? session;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // A checked write, so a cancellation that came first is never overwritten.
            var started = await db.UploadSessions
                .Where(s => s.Id == sessionId && (s.Status == UploadSessionStatus.Queued || s.Status == UploadSessionStatus.Started
                                                  || s.Status == UploadSessionStatus.ReQueued))
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, UploadSessionStatus.Started).SetProperty(s => s.ErrorMessage, ""), ct);
            session = await db.UploadSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
            if (session is null)
            {
                return;
            }

            if (started == 0)
            {
                // Ended earlier (cancelled while queued, or a re-run of a finished import): only the uploaded files may be left.
                await DeleteUploadedFilesAsync(sessionId);
                return;
            }
        }

        notifier.Publish(TopicFor(sessionId), sessionId);
        var work = Path.Combine(dataDirectory.Folder("imports"), $"{sessionId:N}-{Guid.NewGuid():N}");
        var stored = new List<string>();
        var ended = true;
        try
        {
            await RunAsync(session, work, stored, ct);
        }
        catch (ImportCancelledException)
        {
            logger.LogInformation("Import of upload session {Id} stopped: the session was cancelled", sessionId);
            await DeleteBlobsAsync(stored);
            notifier.Publish(TopicFor(sessionId), sessionId);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            ended = false;
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
            if (ended)
            {
                await DeleteUploadedFilesAsync(sessionId);
            }
        }
    }

    /// <summary>The uploaded files are only needed until the session ends; the images (or the errors) are what stays.</summary>
    private async Task DeleteUploadedFilesAsync(Guid sessionId)
    {
        try
        {
            await blobs.DeletePrefixAsync($"upload-sessions/{sessionId:D}", CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Could not delete the uploaded files of upload session {Id}", sessionId);
        }
    }

    private sealed class ImportCancelledException : Exception;

    /// <summary>Stops the import (see <see cref="ImportCancelledException"/>) when the session was cancelled meanwhile.</summary>
    private async Task ThrowIfCancelledAsync(Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.UploadSessions.AnyAsync(s => s.Id == sessionId && s.Status == UploadSessionStatus.Cancelled, ct))
        {
            throw new ImportCancelledException();
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

        var earlier = await ImagesOfAsync(session.Id, ct);
        if (earlier.Count > 0)
        {
            // A previous run stored the images and stopped before the destinations took them: only that is left to do.
            await HandOverAsync(session, targets, earlier);
            return;
        }

        byte[]? key = null;
        foreach (var target in targets)
        {
            key ??= await target.DeidentificationKeyAsync(session, ct);
        }

        var fileErrors = new Dictionary<string, string>(StringComparer.Ordinal);
        var inputs = await CopyInputsAsync(session, Path.Combine(work, "input"), fileErrors, ct);
        await ThrowIfCancelledAsync(session.Id, ct);
        var unpacked = unpacker.Unpack(inputs, work, ct);
        foreach (var (name, message) in unpacked.FileErrors)
        {
            fileErrors[name] = message;
        }

        var names = unpacked.Files.ToDictionary(f => f.Path, f => f.Name, StringComparer.Ordinal);
        await ProgressAsync(session.Id, 0, names.Count, ct);

        var remaining = unpacked.Files.Select(f => f.Path).ToList();
        var consumed = new List<string>();
        var images = new List<Image>();
        var context = new ImageBuildContext(work, key, ImageReadOptions.Default with { TemporaryDirectory = work });
        foreach (var builder in builders.OrderBy(b => b.Order))
        {
            if (remaining.Count == 0)
            {
                break;
            }

            var result = builder.Build(remaining, context, ct);
            try
            {
                foreach (var (path, message) in result.FileErrors)
                {
                    fileErrors[names.GetValueOrDefault(path, Path.GetFileName(path))] = message;
                }

                // Stored (and let go of) builder by builder, so an upload of many large volumes is never all in memory.
                foreach (var image in result.Images)
                {
                    await ThrowIfCancelledAsync(session.Id, ct);
                    var storedImage = await store.StoreAsync(image, session.Id, ct);
                    stored.AddRange(storedImage.Files.Select(f => f.BlobKey));
                    images.Add(storedImage);
                    consumed.AddRange(image.ConsumedFiles.Where(names.ContainsKey).Select(p => names[p]));
                }
            }
            finally
            {
                foreach (var image in result.Images)
                {
                    image.Dispose();
                }
            }

            remaining.RemoveAll(result.ConsumedFiles.Contains);
            await ProgressAsync(session.Id, names.Count - remaining.Count, names.Count, ct);
        }

        foreach (var path in remaining)
        {
            fileErrors[names[path]] = NotSupportedMessage;
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            // The images are kept only if the session is still Started at this write. It also moves Modified, which a
            // cancellation checks in its own write: so either the cancellation came first and stops the import here, or it
            // comes after (sees the images, or finds Modified moved) and is refused.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var now = time.GetUtcNow();
            var claimed = await db.UploadSessions.Where(s => s.Id == session.Id && s.Status == UploadSessionStatus.Started)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.FilesProcessed, names.Count).SetProperty(s => s.Modified, now), ct);
            if (claimed == 0)
            {
                throw new ImportCancelledException();
            }

            db.Images.AddRange(images);
            var row = await db.UploadSessions.FirstAsync(s => s.Id == session.Id, ct);
            row.FileErrors = fileErrors;
            row.ConsumedFiles = consumed.Distinct().ToList();
            row.FilesProcessed = names.Count;
            if (images.Count == 0)
            {
                row.Status = UploadSessionStatus.Failed;
                row.ErrorMessage = fileErrors.Count == 0
                    ? "The upload session holds no files."
                    : "None of the files could be imported as an image; see the errors per file.";
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        stored.Clear(); // the rows now own the blobs
        if (images.Count == 0)
        {
            notifier.Publish(TopicFor(session.Id), session.Id);
            return;
        }

        await HandOverAsync(session, targets, images);
    }

    /// <summary>Gives the stored images to the destinations and records the outcome.</summary>
    private async Task HandOverAsync(UploadSession session, List<IUploadSessionDestination> targets, List<Image> images)
    {
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

    private static string Truncate(string value, int maxLength) => value.Length <= maxLength ? value : value[..maxLength];

    private async Task<List<Image>> ImagesOfAsync(Guid sessionId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Images.Include(i => i.Files).Where(i => i.OriginId == sessionId).OrderBy(i => i.Created).ToListAsync(ct);
    }

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
            if (await db.UploadSessions.FirstOrDefaultAsync(s => s.Id == sessionId) is { Status: not UploadSessionStatus.Cancelled } session)
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

using System.Formats.Tar;
using System.IO.Compression;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Algorithms;

public interface IAlgorithmModelService
{
    /// <summary>Checks and stores a model tarball (.tar.gz) for an algorithm (editors); the new version becomes the active one.</summary>
    Task<Result<AlgorithmModel>> UploadAsync(Actor actor, Guid algorithmId, Stream tarball, string filename, string? comment, CancellationToken ct = default);

    /// <summary>As <see cref="UploadAsync"/>, from one of the actor's finished uploads, which is deleted once the model is stored.</summary>
    Task<Result<AlgorithmModel>> UploadFromAsync(Actor actor, Guid algorithmId, Guid uploadId, string? comment, CancellationToken ct = default);

    /// <summary>The algorithm's models, newest first (editors).</summary>
    Task<Result<IReadOnlyList<AlgorithmModel>>> ListAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>One model: 404 when it or its algorithm is hidden from the actor, 403 for non-editors.</summary>
    Task<Result<AlgorithmModel>> GetAsync(Actor actor, Guid modelId, CancellationToken ct = default);

    /// <summary>Makes a model the active one (the others become inactive), or with <paramref name="active"/> false leaves the algorithm without a model.</summary>
    Task<Result<AlgorithmModel>> SetActiveAsync(Actor actor, Guid modelId, bool active, CancellationToken ct = default);
}

/// <summary>
/// Model tarballs are checked on upload by the same rules and limits as ground truth (no links, no paths outside, size,
/// count and ratio limits, see <see cref="GroundTruthService"/>) and stored re-packed, so what a container finds at
/// <c>/opt/ml/model/</c> is exactly what was checked.
/// </summary>
public sealed class AlgorithmModelService(
    IDbContextFactory<AppDbContext> dbFactory,
    IAlgorithmAccess access,
    IBlobStore blobs,
    IUploadService uploads,
    DataDirectory data,
    IOptions<EvaluationOptions> limits,
    IChangeNotifier notifier,
    TimeProvider clock) : IAlgorithmModelService
{
    public const string BadFilename = "A model must be a .tar.gz file.";
    public const string NoSuchModel = "No such algorithm model, or it is hidden from you.";
    public const string NoSuchUpload = "No finished upload of yours has that upload_id.";

    public async Task<Result<AlgorithmModel>> UploadAsync(
        Actor actor, Guid algorithmId, Stream tarball, string filename, string? comment, CancellationToken ct = default)
    {
        if (await AlgorithmService.RequireEditorAsync(access, actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<AlgorithmModel>();
        }

        filename = Path.GetFileName((filename ?? "").Replace('\\', '/')).Trim();
        if (!filename.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || filename.Length is <= 7 or > 255 || filename.Any(char.IsControl))
        {
            return Result<AlgorithmModel>.Invalid("file", BadFilename);
        }

        comment = (comment ?? "").Trim();
        if (comment.Length > 1000)
        {
            return Result<AlgorithmModel>.Invalid("comment", "Keep the comment under 1000 characters.");
        }

        var options = limits.Value;
        var work = Path.Combine(data.Folder("tmp"), $"algorithm-model-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var spooled = Path.Combine(work, "upload");
            var (size, sha256) = await GroundTruthService.SpoolAsync(tarball, spooled, options.MaxGroundTruthBytes, ct);
            if (size < 0)
            {
                return Result<AlgorithmModel>.Invalid("file", $"The model is larger than {options.MaxGroundTruthBytes:N0} bytes.");
            }

            if (size == 0)
            {
                return Result<AlgorithmModel>.Invalid("file", "The model file is empty.");
            }

            if (await ExistsAsync(algorithmId, sha256, ct))
            {
                return Result<AlgorithmModel>.Invalid("file", DuplicateMessage);
            }

            var unpacked = Path.Combine(work, "unpacked");
            try
            {
                await using var source = File.OpenRead(spooled);
                await GroundTruthService.UnpackTarGzAsync(source, size, unpacked, options, ct);
            }
            catch (InputStagingException e)
            {
                return Result<AlgorithmModel>.Invalid("file", e.Message.Replace("the archive's folder", "the model folder"));
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
            {
                return Result<AlgorithmModel>.Invalid("file", $"The model is not a readable .tar.gz file: {e.Message}");
            }

            if (!Directory.EnumerateFiles(unpacked, "*", SearchOption.AllDirectories).Any())
            {
                return Result<AlgorithmModel>.Invalid("file", "The model tarball contains no files.");
            }

            var model = new AlgorithmModel
            {
                AlgorithmId = algorithmId,
                CreatorId = actor.UserId,
                Filename = filename,
                BlobKey = "",
                Sha256 = sha256,
                SizeBytes = size,
                Comment = comment,
                IsDesiredVersion = true,
            };
            model.BlobKey = $"algorithm-models/{model.Id}/model.tar.gz";
            var packed = Path.Combine(work, "packed.tar.gz");
            await using (var output = File.Create(packed))
            await using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            {
                await TarFile.CreateFromDirectoryAsync(unpacked, gzip, includeBaseDirectory: false, ct);
            }

            await using (var packedStream = File.OpenRead(packed))
            {
                await blobs.WriteAsync(model.BlobKey, packedStream, ct);
            }

            await using (var db = await dbFactory.CreateDbContextAsync(ct))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await db.AlgorithmModels.Where(m => m.AlgorithmId == algorithmId && m.IsDesiredVersion)
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDesiredVersion, false).SetProperty(m => m.Modified, clock.GetUtcNow()), ct);
                db.AlgorithmModels.Add(model);
                try
                {
                    await db.SaveChangesAsync(ct);
                }
                catch (DbUpdateException)
                {
                    // The same tarball was stored by a concurrent request between the check and now.
                    await blobs.DeletePrefixAsync($"algorithm-models/{model.Id}", CancellationToken.None);
                    return Result<AlgorithmModel>.Invalid("file", DuplicateMessage);
                }

                await transaction.CommitAsync(ct);
            }

            notifier.Publish(AlgorithmTopics.Algorithm(algorithmId), algorithmId);
            return Result<AlgorithmModel>.Ok(model);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private const string DuplicateMessage = "This algorithm already has a model with this sha256.";

    private async Task<bool> ExistsAsync(Guid algorithmId, string sha256, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AlgorithmModels.AnyAsync(m => m.AlgorithmId == algorithmId && m.Sha256 == sha256, ct);
    }

    public async Task<Result<AlgorithmModel>> UploadFromAsync(Actor actor, Guid algorithmId, Guid uploadId, string? comment, CancellationToken ct = default)
    {
        if (await AlgorithmService.RequireEditorAsync(access, actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<AlgorithmModel>();
        }

        var opened = await uploads.OpenCompletedAsync(actor, uploadId, ct);
        if (!opened.Succeeded)
        {
            return Result<AlgorithmModel>.Invalid("upload_id", opened.NotFound ? NoSuchUpload : opened.Error!);
        }

        Result<AlgorithmModel> result;
        await using (var upload = opened.Value!)
        {
            result = await UploadAsync(actor, algorithmId, upload.Content, upload.Info.Filename, comment, ct);
        }

        if (result.Succeeded)
        {
            await uploads.DeleteAsync(actor, uploadId, CancellationToken.None);
        }

        return result;
    }

    public async Task<Result<IReadOnlyList<AlgorithmModel>>> ListAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await AlgorithmService.RequireEditorAsync(access, actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<IReadOnlyList<AlgorithmModel>>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.AlgorithmModels.AsNoTracking().Where(m => m.AlgorithmId == algorithmId).ToListAsync(ct);
        return Result<IReadOnlyList<AlgorithmModel>>.Ok(list.OrderByDescending(m => m.Created).ThenByDescending(m => m.Id).ToList());
    }

    public async Task<Result<AlgorithmModel>> GetAsync(Actor actor, Guid modelId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.AlgorithmModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == modelId, ct);
        return model is null ? Result<AlgorithmModel>.NotFound(NoSuchModel) : await AuthorizeAsync(actor, model, ct);
    }

    private async Task<Result<AlgorithmModel>> AuthorizeAsync(Actor actor, AlgorithmModel model, CancellationToken ct)
    {
        var editor = await AlgorithmService.RequireEditorAsync(access, actor, model.AlgorithmId, ct);
        return editor.Succeeded ? Result<AlgorithmModel>.Ok(model)
            : editor.Kind == FailureKind.NotFound ? Result<AlgorithmModel>.NotFound(NoSuchModel)
            : editor.As<AlgorithmModel>();
    }

    public async Task<Result<AlgorithmModel>> SetActiveAsync(Actor actor, Guid modelId, bool active, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var model = await db.AlgorithmModels.FirstOrDefaultAsync(m => m.Id == modelId, ct);
        if (model is null)
        {
            return Result<AlgorithmModel>.NotFound(NoSuchModel);
        }

        if (await AuthorizeAsync(actor, model, ct) is { Succeeded: false } denied)
        {
            return denied;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (active)
        {
            await db.AlgorithmModels.Where(m => m.AlgorithmId == model.AlgorithmId && m.IsDesiredVersion && m.Id != model.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.IsDesiredVersion, false).SetProperty(m => m.Modified, clock.GetUtcNow()), ct);
        }

        model.IsDesiredVersion = active;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(AlgorithmTopics.Algorithm(model.AlgorithmId), model.AlgorithmId);
        return Result<AlgorithmModel>.Ok(model);
    }
}

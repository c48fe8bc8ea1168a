using Docker.DotNet;
using Docker.DotNet.Models;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Containers;

/// <summary>
/// Takes images out of the engine that nothing needs there: removed images, and completed images that are not the
/// active version, older than <see cref="ContainerImageOptions.RemoveUnusedAfterDays"/> and not in use. Their archives
/// stay (except for removed ones), so activating such an image loads it again.
/// </summary>
public sealed class ContainerImageCleaner(
    IDbContextFactory<AppDbContext> dbFactory,
    IDockerEngine engine,
    IContainerImageUsage usage,
    IChangeNotifier notifier,
    IOptions<ContainerImageOptions> options,
    TimeProvider clock,
    ILogger<ContainerImageCleaner> logger)
{
    /// <summary>Returns the ids of the images taken out of the engine.</summary>
    public async Task<IReadOnlyList<Guid>> RemoveUnusedAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.RemoveUnusedAfterDays);
        List<(Guid Id, ContainerImageKind Kind)> candidates;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            candidates = (await db.ContainerImages.AsNoTracking()
                    .Where(i => i.IsLoaded && (i.IsRemoved
                                               || (i.ImportStatus == ContainerImageImportStatus.Completed && !i.IsDesiredVersion && i.Created < cutoff)))
                    .Select(i => new { i.Id, i.Kind })
                    .ToListAsync(ct))
                .Select(i => (i.Id, i.Kind)).ToList();
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        var inUse = await usage.InUseAsync(candidates.Select(c => c.Id).ToList(), ct);
        var removed = new List<Guid>();
        foreach (var (id, kind) in candidates.Where(c => !inUse.Contains(c.Id)))
        {
            // Claim first: an image activated meanwhile stays; one activated after this sees IsLoaded=false and loads again.
            if (!await SetLoadedAsync(id, loaded: false, ct))
            {
                continue;
            }

            try
            {
                // By the platform's own tag, never by sha: the same image may be loaded for other owners too, and the
                // engine deletes it only when its last tag goes.
                await engine.Client.Images.DeleteImageAsync(ContainerImageConventions.EngineTag(kind, id), new ImageDeleteParameters(), ct);
                removed.Add(id);
            }
            catch (DockerImageNotFoundException)
            {
                removed.Add(id);
            }
            catch (Exception e) when (e is DockerApiException || ContainerImageImporter.IsUnreachable(e))
            {
                logger.LogWarning(e, "Could not remove container image {Id} from the engine; the next clean-up tries again", id);
                await SetLoadedAsync(id, loaded: true, CancellationToken.None);
                if (e is not DockerApiException)
                {
                    break;
                }

                continue;
            }

            notifier.Publish(ContainerImageConventions.Topic(id), id);
            notifier.Publish(ContainerImageConventions.AllTopic, id);
        }

        if (removed.Count > 0)
        {
            logger.LogInformation("Removed {Count} unused container image(s) from the engine", removed.Count);
        }

        return removed;
    }

    private async Task<bool> SetLoadedAsync(Guid id, bool loaded, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        var query = db.ContainerImages.Where(i => i.Id == id && i.IsLoaded != loaded);
        if (!loaded)
        {
            query = query.Where(i => i.IsRemoved || !i.IsDesiredVersion);
        }

        return await query.ExecuteUpdateAsync(s => s.SetProperty(i => i.IsLoaded, loaded).SetProperty(i => i.Modified, now), ct) == 1;
    }
}

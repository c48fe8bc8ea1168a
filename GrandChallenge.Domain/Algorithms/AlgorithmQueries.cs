using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>Lookups every algorithm feature needs: the active container image and the active model that new jobs use.</summary>
public static class AlgorithmQueries
{
    /// <summary>The algorithm's active image when it may run (valid, loaded, not removed); null otherwise.</summary>
    public static Task<ContainerImage?> ActiveImageAsync(AppDbContext db, Guid algorithmId, CancellationToken ct = default) =>
        db.ContainerImages.AsNoTracking()
            .Where(i => i.Kind == ContainerImageKind.Algorithm && i.OwnerId == algorithmId && i.IsDesiredVersion
                        && i.ImportStatus == ContainerImageImportStatus.Completed && i.IsManifestValid == true && i.IsLoaded && !i.IsRemoved)
            .FirstOrDefaultAsync(ct);

    /// <summary>The algorithm's active model, or null when it has none or it was deactivated (jobs then run without one).</summary>
    public static Task<AlgorithmModel?> ActiveModelAsync(AppDbContext db, Guid algorithmId, CancellationToken ct = default) =>
        db.AlgorithmModels.AsNoTracking().FirstOrDefaultAsync(m => m.AlgorithmId == algorithmId && m.IsDesiredVersion, ct);
}

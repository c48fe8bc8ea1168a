using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Cases;

/// <summary>
/// The one place that decides whether an actor may see an image. Site admins see every image, the creator of the upload
/// session sees what it imported, and every <see cref="IImageVisibilitySource"/> (archives, component jobs; reader studies
/// later) adds the images its objects make visible. An image nobody lets the actor see does not exist for them.
/// </summary>
public interface IImageAccess
{
    /// <summary>The image with its files, or null when it does not exist or the actor may not see it.</summary>
    Task<Image?> FindAsync(Actor actor, Guid imageId, CancellationToken ct = default);

    /// <summary>Ids of the images the actor may see (not for site admins, who see all), as a query to compose.</summary>
    IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor);
}

/// <summary>A kind of object that lets actors see images (an archive's items, a job's inputs, ...). Register with <c>TryAddEnumerable</c>.</summary>
public interface IImageVisibilitySource
{
    /// <summary>Ids of images the actor may see through this kind of object; never called for site admins.</summary>
    IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor);
}

public sealed class ImageAccess(IDbContextFactory<AppDbContext> dbFactory, IEnumerable<IImageVisibilitySource> sources) : IImageAccess
{
    public async Task<Image?> FindAsync(Actor actor, Guid imageId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var image = await db.Images.AsNoTracking().Include(i => i.Files).FirstOrDefaultAsync(i => i.Id == imageId, ct);
        if (image is null)
        {
            return null;
        }

        if (actor.IsSiteAdmin || await VisibleImageIds(db, actor).AnyAsync(id => id == imageId, ct))
        {
            image.Files = image.Files.OrderBy(f => f.ImageType).ThenBy(f => f.Created).ToList();
            return image;
        }

        return null;
    }

    public IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor)
    {
        IQueryable<Guid> visible = actor.UserId is { } userId
            ? db.Images.Where(i => i.Origin != null && i.Origin.CreatorId == userId).Select(i => i.Id)
            : db.Images.Where(_ => false).Select(i => i.Id);
        foreach (var source in sources)
        {
            visible = visible.Union(source.VisibleImageIds(db, actor));
        }

        return visible;
    }
}

using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// The creator of a job sees the images it was given and the images it produced — not the values staged under a prefix
/// (an algorithm submission's evaluation gets the outputs of the algorithm on hidden test cases that way).
/// </summary>
public sealed class ComponentJobImageVisibility : IImageVisibilitySource
{
    public IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor)
    {
        if (actor.UserId is not { } userId)
        {
            return db.Images.Where(_ => false).Select(i => i.Id);
        }

        var jobs = db.ComponentJobs.Where(j => j.CreatorId == userId).Select(j => j.Id);
        var values = db.ComponentJobValues.Where(v => jobs.Contains(v.JobId) && v.Prefix == "").Select(v => v.SocketValueId);
        return db.SocketValues.Where(v => values.Contains(v.Id) && v.ImageId != null).Select(v => v.ImageId!.Value);
    }
}

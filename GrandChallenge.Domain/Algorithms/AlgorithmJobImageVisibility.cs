using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>
/// The images of a job on a user's own inputs (its inputs and outputs) are visible to whoever may see the job: the users
/// it was shared with, the algorithm's editors, and everyone when it is public. (Its creator sees them through
/// <see cref="Components.ComponentJobImageVisibility"/>.) Jobs of challenge submissions never make images visible here.
/// </summary>
public sealed class AlgorithmJobImageVisibility(IPermissionService permissions) : IImageVisibilitySource
{
    public IQueryable<Guid> VisibleImageIds(AppDbContext db, Actor actor)
    {
        var userId = actor.UserId;
        var edited = permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor);
        var jobs = db.AlgorithmJobs.Where(j => j.EvaluationId == null
                                               && (j.Public
                                                   || (userId != null && (db.AlgorithmJobViewers.Any(v => v.JobId == j.JobId && v.UserId == userId)
                                                                          || edited.Contains(j.AlgorithmId)))))
            .Select(j => j.JobId);
        var values = db.ComponentJobValues.Where(v => jobs.Contains(v.JobId)).Select(v => v.SocketValueId);
        return db.SocketValues.Where(v => values.Contains(v.Id) && v.ImageId != null).Select(v => v.ImageId!.Value);
    }
}

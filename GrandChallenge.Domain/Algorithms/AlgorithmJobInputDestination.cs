using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>
/// Upload sessions that name only a socket (no archive or item): their one image is the input of an algorithm job. A job
/// created with such a session waits in Validating inputs; when the import hands the image over the job moves on. A
/// session finished before its job exists is used directly when the job is created.
/// </summary>
public sealed class AlgorithmJobInputDestination(IDbContextFactory<AppDbContext> dbFactory, AlgorithmJobService jobs) : IUploadSessionDestination
{
    public const string SingleImageMessage = "Image imports should result in a single image";

    public bool Handles(UploadSession session) => session.ArchiveId is null && session.ArchiveItemId is null && session.SocketId is not null;

    public async Task<string?> AuthorizeAsync(Actor actor, UploadSession session, CancellationToken ct)
    {
        if (actor.UserId is null)
        {
            return "Sign in to upload images.";
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var socket = await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Id == session.SocketId, ct);
        if (socket is null)
        {
            return $"There is no socket {session.SocketId}.";
        }

        return socket.KindInfo.IsImage ? null : $"'{socket.Slug}' is a {socket.KindInfo.Label} socket; images cannot be imported into it.";
    }

    public Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct) => Task.FromResult<byte[]?>(null);

    public async Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct)
    {
        if (images.Count != 1)
        {
            return [SingleImageMessage];
        }

        List<Guid> waiting;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            waiting = await db.AlgorithmJobUploads.Where(u => u.UploadSessionId == session.Id).Select(u => u.JobId).Distinct().ToListAsync(ct);
        }

        foreach (var jobId in waiting)
        {
            await jobs.AdvanceValidatingAsync(jobId, (session.Id, [images[0].Id]), ct);
        }

        return [];
    }
}

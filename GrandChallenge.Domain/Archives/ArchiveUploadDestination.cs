using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Archives;

/// <summary>
/// Imports addressed to an archive: with <see cref="UploadSession.ArchiveId"/> every image becomes a new item on the image
/// socket (<see cref="UploadSession.SocketId"/>, default <c>generic-medical-image</c>; an image already on that socket in the
/// archive is skipped), with <see cref="UploadSession.ArchiveItemId"/> and a socket the one image becomes that item's value.
/// </summary>
public sealed class ArchiveUploadDestination(
    IDbContextFactory<AppDbContext> dbFactory,
    IArchiveAccess access,
    ArchiveItemService items,
    ISocketValueService socketValues,
    IChangeNotifier notifier) : IUploadSessionDestination
{
    public const string SingleImageMessage = "Image imports should result in a single image";

    public bool Handles(UploadSession session) => session.ArchiveId is not null || session.ArchiveItemId is not null;

    public async Task<string?> AuthorizeAsync(Actor actor, UploadSession session, CancellationToken ct)
    {
        if (session.ArchiveItemId is not null && session.SocketId is null)
        {
            return "Name the socket the image is for.";
        }

        var archiveId = await ArchiveIdAsync(session, ct);
        var context = archiveId is null ? null : await access.FindAsync(actor, archiveId.Value, ct);
        if (context is null)
        {
            return session.ArchiveItemId is null ? ArchiveService.NotFoundMessage : ArchiveItemService.ItemNotFoundMessage;
        }

        if (!context.CanUpload)
        {
            return "Only the archive's editors and uploaders may upload to it.";
        }

        var socket = await SocketAsync(session, ct);
        if (socket is null)
        {
            return session.SocketId is null ? $"The socket '{DefaultSockets.GenericMedicalImage}' does not exist." : $"There is no socket {session.SocketId}.";
        }

        return socket.KindInfo.IsImage ? null : $"'{socket.Slug}' is a {socket.KindInfo.Label} socket; images cannot be imported into it.";
    }

    public async Task<byte[]?> DeidentificationKeyAsync(UploadSession session, CancellationToken ct)
    {
        var archiveId = await ArchiveIdAsync(session, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var key = await db.Archives.Where(a => a.Id == archiveId).Select(a => a.DeidentificationKey).FirstOrDefaultAsync(ct);
        return key is null ? null : Convert.FromBase64String(key);
    }

    public async Task<IReadOnlyList<string>> AcceptAsync(UploadSession session, IReadOnlyList<Image> images, CancellationToken ct)
    {
        var archiveId = await ArchiveIdAsync(session, ct);
        var socket = await SocketAsync(session, ct);
        if (archiveId is null || socket is null)
        {
            return [$"The archive or socket of this upload no longer exists; {images.Count} image(s) were not added."];
        }

        if (session.ArchiveItemId is { } itemId)
        {
            if (images.Count != 1)
            {
                return [SingleImageMessage];
            }

            var value = await socketValues.GetOrCreateImageAsync(socket, images[0].Id, ct);
            if (!value.Succeeded)
            {
                return [value.Error!];
            }

            await items.SetItemValueAsync(itemId, value.Value!, ct);
        }
        else
        {
            var errors = new List<string>();
            foreach (var image in images)
            {
                await using (var db = await dbFactory.CreateDbContextAsync(ct))
                {
                    var present = await db.ArchiveItemValues.AnyAsync(
                        v => v.Item!.ArchiveId == archiveId && v.SocketId == socket.Id && v.Value!.ImageId == image.Id, ct);
                    if (present)
                    {
                        continue;
                    }
                }

                var value = await socketValues.GetOrCreateImageAsync(socket, image.Id, ct);
                if (!value.Succeeded)
                {
                    errors.Add($"{image.Name}: {value.Error}");
                    continue;
                }

                await items.AddItemAsync(archiveId.Value, value.Value!, ct);
            }

            if (errors.Count > 0)
            {
                notifier.Publish(ArchiveTopics.Items(archiveId.Value));
                return errors;
            }
        }

        notifier.Publish(ArchiveTopics.Items(archiveId.Value));
        return [];
    }

    private async Task<Guid?> ArchiveIdAsync(UploadSession session, CancellationToken ct)
    {
        if (session.ArchiveItemId is not { } itemId)
        {
            return session.ArchiveId;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ArchiveItems.Where(i => i.Id == itemId).Select(i => (Guid?)i.ArchiveId).FirstOrDefaultAsync(ct);
    }

    private async Task<Socket?> SocketAsync(UploadSession session, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return session.SocketId is { } id
            ? await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct)
            : await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Slug == DefaultSockets.GenericMedicalImage, ct);
    }
}

using System.Text.Json.Nodes;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Archives;

public enum ItemValueKind
{
    Json,
    Image,
    File,
    /// <summary>Takes the item's value for the socket away (nothing when it has none).</summary>
    Remove,
}

/// <summary>
/// A value to set on an item for one socket, named by slug or id: a JSON value (validated against the socket's kind and
/// schema), an existing image the actor may see, or a file (the caller disposes the stream); or the removal of the
/// item's value for that socket.
/// </summary>
public sealed record ItemValueDraft(string Socket, ItemValueKind Kind, JsonNode? Json = null, Guid? ImageId = null, Stream? Content = null, string? FileName = null)
{
    public static ItemValueDraft OfJson(string socket, JsonNode? value) => new(socket, ItemValueKind.Json, Json: value);

    public static ItemValueDraft OfImage(string socket, Guid imageId) => new(socket, ItemValueKind.Image, ImageId: imageId);

    public static ItemValueDraft OfFile(string socket, Stream content, string fileName) => new(socket, ItemValueKind.File, Content: content, FileName: fileName);

    public static ItemValueDraft Removal(string socket) => new(socket, ItemValueKind.Remove);
}

/// <summary>What an items list shows: <see cref="Search"/> matches item titles and image names, <see cref="Modality"/> filters images' modality.</summary>
public sealed record ArchiveItemQuery(string? Search = null, string? Modality = null, int Offset = 0, int Limit = 100);

public sealed record ArchiveItemValueView(
    int SocketId, string SocketSlug, string SocketTitle, string SocketKind, SocketSuperKind SuperKind, long ValueId,
    string? JsonValue, string? FileName, Guid? ImageId, string? ImageName, string? Modality);

public sealed record ArchiveItemView(Guid Id, Guid ArchiveId, string Title, IReadOnlyList<ArchiveItemValueView> Values, DateTimeOffset Created, DateTimeOffset Modified);

public sealed record ArchiveItemPage(int Count, IReadOnlyList<ArchiveItemView> Items);

public interface IArchiveItemService
{
    /// <summary>Items of an archive the actor may see, oldest first, with their values.</summary>
    Task<Result<ArchiveItemPage>> ListAsync(Actor actor, Guid archiveId, ArchiveItemQuery query, CancellationToken ct = default);

    Task<Result<ArchiveItemView>> GetAsync(Actor actor, Guid itemId, CancellationToken ct = default);

    /// <summary>A new item (editors and uploaders) with the given values; nothing is stored when any value is refused.</summary>
    Task<Result<ArchiveItemView>> CreateAsync(Actor actor, Guid archiveId, string? title, IReadOnlyList<ItemValueDraft> values, CancellationToken ct = default);

    /// <summary>Sets (or replaces, or removes) the item's values for the named sockets and, when not null, its title.</summary>
    Task<Result<ArchiveItemView>> UpdateAsync(Actor actor, Guid itemId, string? title, IReadOnlyList<ItemValueDraft> values, CancellationToken ct = default);

    Task<Result<ArchiveItemView>> SetValueAsync(Actor actor, Guid itemId, ItemValueDraft value, CancellationToken ct = default);

    /// <summary>Takes the item's value for a socket away (editors and uploaders); the value itself stays for whatever else uses it.</summary>
    Task<Result<ArchiveItemView>> RemoveValueAsync(Actor actor, Guid itemId, string socket, CancellationToken ct = default);

    /// <summary>The file-socket value <paramref name="valueId"/> of an item, for whoever may see the item.</summary>
    Task<Result<SocketValue>> FindFileAsync(Actor actor, Guid itemId, long valueId, CancellationToken ct = default);

    /// <summary>Deletes an item (editors); its values stay for whatever else uses them.</summary>
    Task<Result<bool>> DeleteAsync(Actor actor, Guid itemId, CancellationToken ct = default);

    /// <summary>Distinct modalities of the images in an archive, for the filter.</summary>
    Task<IReadOnlyList<string>> ModalitiesAsync(Guid archiveId, CancellationToken ct = default);
}

public sealed class ArchiveItemService(
    IDbContextFactory<AppDbContext> dbFactory,
    IArchiveAccess access,
    IImageAccess images,
    ISocketValueService socketValues,
    IChangeNotifier notifier) : IArchiveItemService
{
    public const string ItemNotFoundMessage = "No such archive item, or it is hidden from you.";
    public const string NotUploaderMessage = "Only the archive's editors and uploaders may add or change items.";

    public async Task<Result<ArchiveItemPage>> ListAsync(Actor actor, Guid archiveId, ArchiveItemQuery query, CancellationToken ct = default)
    {
        if (await access.FindAsync(actor, archiveId, ct) is null)
        {
            return Result<ArchiveItemPage>.NotFound(ArchiveService.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = db.ArchiveItems.AsNoTracking().Where(i => i.ArchiveId == archiveId);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLower();
            items = items.Where(i => i.Title.ToLower().Contains(term)
                                     || i.Values.Any(v => v.Value!.Image != null && v.Value.Image.Name.ToLower().Contains(term)));
        }

        if (!string.IsNullOrWhiteSpace(query.Modality))
        {
            var modality = query.Modality.Trim();
            items = items.Where(i => i.Values.Any(v => v.Value!.Image != null && v.Value.Image.Modality == modality));
        }

        var count = await items.CountAsync(ct);
        var ids = await items.OrderBy(i => i.Created).ThenBy(i => i.Id)
            .Skip(Math.Max(0, query.Offset)).Take(Math.Clamp(query.Limit, 1, 1000))
            .Select(i => i.Id).ToListAsync(ct);
        var views = await ViewsAsync(db, ids, ct);
        return Result<ArchiveItemPage>.Ok(new ArchiveItemPage(count, ids.Select(id => views[id]).ToList()));
    }

    public async Task<Result<ArchiveItemView>> GetAsync(Actor actor, Guid itemId, CancellationToken ct = default)
    {
        var found = await ItemContextAsync(actor, itemId, ct);
        if (!found.Succeeded)
        {
            return found.As<ArchiveItemView>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return Result<ArchiveItemView>.Ok((await ViewsAsync(db, [itemId], ct))[itemId]);
    }

    public async Task<Result<ArchiveItemView>> CreateAsync(Actor actor, Guid archiveId, string? title, IReadOnlyList<ItemValueDraft> values, CancellationToken ct = default)
    {
        var context = await access.FindAsync(actor, archiveId, ct);
        if (context is null)
        {
            return Result<ArchiveItemView>.NotFound(ArchiveService.NotFoundMessage);
        }

        if (!context.CanUpload)
        {
            return Result<ArchiveItemView>.Forbidden(NotUploaderMessage);
        }

        var itemTitle = (title ?? "").Trim();
        if (await CheckTitleAsync(archiveId, null, itemTitle, ct) is { } titleError)
        {
            return Result<ArchiveItemView>.Invalid("title", titleError);
        }

        var resolved = await ResolveAsync(actor, values, ct);
        if (!resolved.Succeeded)
        {
            return resolved.As<ArchiveItemView>();
        }

        var item = new ArchiveItem { ArchiveId = archiveId, Title = itemTitle };
        item.Values.AddRange(resolved.Value!.Set.Select(v => new ArchiveItemValue { ArchiveItemId = item.Id, SocketId = v.SocketId, SocketValueId = v.Id }));
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            db.ArchiveItems.Add(item);
            await db.SaveChangesAsync(ct);
        }

        notifier.Publish(ArchiveTopics.Items(archiveId));
        return await GetAsync(actor, item.Id, ct);
    }

    public async Task<Result<ArchiveItemView>> UpdateAsync(Actor actor, Guid itemId, string? title, IReadOnlyList<ItemValueDraft> values, CancellationToken ct = default)
    {
        var found = await ItemContextAsync(actor, itemId, ct);
        if (!found.Succeeded)
        {
            return found.As<ArchiveItemView>();
        }

        var (context, item) = found.Value;
        if (!context.CanUpload)
        {
            return Result<ArchiveItemView>.Forbidden(NotUploaderMessage);
        }

        var itemTitle = title?.Trim();
        if (itemTitle is not null && await CheckTitleAsync(item.ArchiveId, itemId, itemTitle, ct) is { } titleError)
        {
            return Result<ArchiveItemView>.Invalid("title", titleError);
        }

        var resolved = await ResolveAsync(actor, values, ct);
        if (!resolved.Succeeded)
        {
            return resolved.As<ArchiveItemView>();
        }

        await SaveValuesAsync(itemId, itemTitle, resolved.Value!.Set, ct, resolved.Value.Removed);
        notifier.Publish(ArchiveTopics.Items(item.ArchiveId));
        return await GetAsync(actor, itemId, ct);
    }

    public Task<Result<ArchiveItemView>> SetValueAsync(Actor actor, Guid itemId, ItemValueDraft value, CancellationToken ct = default) =>
        UpdateAsync(actor, itemId, null, [value], ct);

    public Task<Result<ArchiveItemView>> RemoveValueAsync(Actor actor, Guid itemId, string socket, CancellationToken ct = default) =>
        UpdateAsync(actor, itemId, null, [ItemValueDraft.Removal(socket)], ct);

    public async Task<Result<SocketValue>> FindFileAsync(Actor actor, Guid itemId, long valueId, CancellationToken ct = default)
    {
        var found = await ItemContextAsync(actor, itemId, ct);
        if (!found.Succeeded)
        {
            return found.As<SocketValue>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var value = await db.ArchiveItemValues.AsNoTracking()
            .Where(v => v.ArchiveItemId == itemId && v.SocketValueId == valueId)
            .Select(v => v.Value)
            .FirstOrDefaultAsync(ct);
        return value?.FileName is null
            ? Result<SocketValue>.NotFound("This item holds no such file.")
            : Result<SocketValue>.Ok(value);
    }

    public async Task<Result<bool>> DeleteAsync(Actor actor, Guid itemId, CancellationToken ct = default)
    {
        var found = await ItemContextAsync(actor, itemId, ct);
        if (!found.Succeeded)
        {
            return found.As<bool>();
        }

        var (context, item) = found.Value;
        if (!context.IsEditor)
        {
            return Result<bool>.Forbidden("Only the archive's editors may delete items.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.ArchiveItems.Where(i => i.Id == itemId).ExecuteDeleteAsync(ct);
        notifier.Publish(ArchiveTopics.Items(item.ArchiveId));
        return Result<bool>.Ok(true);
    }

    public async Task<IReadOnlyList<string>> ModalitiesAsync(Guid archiveId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await db.ArchiveItemValues
            .Where(v => v.Item!.ArchiveId == archiveId && v.Value!.Image != null && v.Value.Image.Modality != null)
            .Select(v => v.Value!.Image!.Modality!)
            .Distinct()
            .ToListAsync(ct);
        return list.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Stores a new item holding <paramref name="value"/>; for the upload destination, which authorized the session earlier.</summary>
    internal async Task AddItemAsync(Guid archiveId, SocketValue value, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var item = new ArchiveItem { ArchiveId = archiveId };
        item.Values.Add(new ArchiveItemValue { ArchiveItemId = item.Id, SocketId = value.SocketId, SocketValueId = value.Id });
        db.ArchiveItems.Add(item);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Replaces the item's value for the value's socket; for the upload destination.</summary>
    internal async Task SetItemValueAsync(Guid itemId, SocketValue value, CancellationToken ct) =>
        await SaveValuesAsync(itemId, null, [value], ct);

    private async Task SaveValuesAsync(Guid itemId, string? title, IReadOnlyList<SocketValue> values, CancellationToken ct, IReadOnlyList<int>? removed = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var item = await db.ArchiveItems.Include(i => i.Values).SingleAsync(i => i.Id == itemId, ct);
        if (title is not null)
        {
            item.Title = title;
        }

        foreach (var existing in item.Values.Where(v => removed?.Contains(v.SocketId) == true).ToList())
        {
            item.Values.Remove(existing);
            db.ArchiveItemValues.Remove(existing);
        }

        foreach (var value in values)
        {
            var existing = item.Values.FirstOrDefault(v => v.SocketId == value.SocketId);
            if (existing is not null)
            {
                item.Values.Remove(existing);
                db.ArchiveItemValues.Remove(existing);
                await db.SaveChangesAsync(ct);
            }

            item.Values.Add(new ArchiveItemValue { ArchiveItemId = itemId, SocketId = value.SocketId, SocketValueId = value.Id });
        }

        // The item's own Modified marks the change, also when only values changed.
        db.Entry(item).State = EntityState.Modified;
        await db.SaveChangesAsync(ct);
    }

    private async Task<Result<(ArchiveAccessContext Context, ArchiveItem Item)>> ItemContextAsync(Actor actor, Guid itemId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var item = await db.ArchiveItems.AsNoTracking().FirstOrDefaultAsync(i => i.Id == itemId, ct);
        var context = item is null ? null : await access.FindAsync(actor, item.ArchiveId, ct);
        return context is null
            ? Result<(ArchiveAccessContext, ArchiveItem)>.NotFound(ItemNotFoundMessage)
            : Result<(ArchiveAccessContext, ArchiveItem)>.Ok((context, item!));
    }

    private async Task<string?> CheckTitleAsync(Guid archiveId, Guid? itemId, string title, CancellationToken ct)
    {
        if (ArchiveRules.CheckItemTitle(title) is { } error)
        {
            return error;
        }

        if (title.Length == 0)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ArchiveItems.AnyAsync(i => i.ArchiveId == archiveId && i.Title == title && i.Id != itemId, ct)
            ? $"This archive already has an item titled '{title}'."
            : null;
    }

    /// <summary>Validates every value before any is stored; values that are stored are immutable and shared, so a later refusal leaves nothing visible.</summary>
    private sealed record ResolvedValues(IReadOnlyList<SocketValue> Set, IReadOnlyList<int> Removed);

    private async Task<Result<ResolvedValues>> ResolveAsync(Actor actor, IReadOnlyList<ItemValueDraft> drafts, CancellationToken ct)
    {
        var sockets = new List<(ItemValueDraft Draft, Socket Socket)>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            foreach (var draft in drafts)
            {
                var key = (draft.Socket ?? "").Trim();
                var socket = int.TryParse(key, out var socketId)
                    ? await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Id == socketId, ct)
                    : await db.Sockets.AsNoTracking().FirstOrDefaultAsync(s => s.Slug == key, ct);
                if (socket is null)
                {
                    return Result<ResolvedValues>.Invalid("values", $"There is no socket '{key}'.");
                }

                if (sockets.Any(s => s.Socket.Id == socket.Id))
                {
                    return Result<ResolvedValues>.Invalid("values", $"'{socket.Slug}' is given more than once; an item holds one value per socket.");
                }

                if (draft.Kind == ItemValueKind.Remove)
                {
                    sockets.Add((draft, socket));
                    continue;
                }

                var group = socket.KindInfo.Group;
                var expected = draft.Kind switch
                {
                    ItemValueKind.Image => SocketKindGroup.Image,
                    ItemValueKind.Json => SocketKindGroup.Json,
                    _ => group == SocketKindGroup.Image ? SocketKindGroup.File : group,
                };
                if (group != expected)
                {
                    var takes = group switch
                    {
                        SocketKindGroup.Image => "an image",
                        SocketKindGroup.Json => "a JSON value (or a .json file)",
                        _ => "a file",
                    };
                    return Result<ResolvedValues>.Invalid("values", $"'{socket.Slug}' is a {socket.KindInfo.Label} socket; it takes {takes}.");
                }

                if (draft.Kind == ItemValueKind.Image
                    && (draft.ImageId is not { } imageId || await images.FindAsync(actor, imageId, ct) is null))
                {
                    return Result<ResolvedValues>.Invalid("values", $"No such image for '{socket.Slug}', or it is hidden from you.");
                }

                sockets.Add((draft, socket));
            }
        }

        var stored = new List<SocketValue>();
        foreach (var (draft, socket) in sockets.Where(s => s.Draft.Kind != ItemValueKind.Remove))
        {
            var result = draft.Kind switch
            {
                ItemValueKind.Json => await socketValues.GetOrCreateJsonAsync(socket, draft.Json, ct),
                ItemValueKind.Image => await socketValues.GetOrCreateImageAsync(socket, draft.ImageId!.Value, ct),
                _ => draft.Content is null
                    ? Result<SocketValue>.Fail("No file was given.")
                    : await socketValues.CreateFileAsync(socket, draft.Content, draft.FileName ?? "", ct),
            };
            if (!result.Succeeded)
            {
                return Result<ResolvedValues>.Invalid("values", $"{socket.Slug}: {result.Error}");
            }

            stored.Add(result.Value!);
        }

        var removed = sockets.Where(s => s.Draft.Kind == ItemValueKind.Remove).Select(s => s.Socket.Id).ToList();
        return Result<ResolvedValues>.Ok(new ResolvedValues(stored, removed));
    }

    private static async Task<Dictionary<Guid, ArchiveItemView>> ViewsAsync(AppDbContext db, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var items = await db.ArchiveItems.AsNoTracking()
            .Where(i => ids.Contains(i.Id))
            .Include(i => i.Values).ThenInclude(v => v.Socket)
            .Include(i => i.Values).ThenInclude(v => v.Value).ThenInclude(v => v!.Image)
            .AsSplitQuery()
            .ToListAsync(ct);
        return items.ToDictionary(i => i.Id, i => new ArchiveItemView(
            i.Id,
            i.ArchiveId,
            i.Title,
            i.Values.OrderBy(v => v.SocketId).Select(v => new ArchiveItemValueView(
                v.SocketId, v.Socket!.Slug, v.Socket.Title, v.Socket.Kind, v.Socket.SuperKind, v.SocketValueId,
                v.Value!.Value, v.Value.FileName, v.Value.ImageId, v.Value.Image?.Name, v.Value.Image?.Modality)).ToList(),
            i.Created,
            i.Modified));
    }
}

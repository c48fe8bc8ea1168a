using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Components;

/// <summary>What a new socket is made of; JSON fields are JSON text (empty means none). Field errors use these names in snake_case.</summary>
public sealed record SocketDraft(
    string? Title,
    string? Kind,
    string? RelativePath,
    string? Description = null,
    string? DefaultValue = null,
    string? Schema = null,
    bool? StoreInDatabase = null,
    string? OverlaySegments = null);

/// <summary>
/// The parts of a socket that may change after creation. Kind, relative path and storage stay fixed (containers and
/// stored values depend on them); the slug stays fixed because clients look sockets up by it.
/// </summary>
public sealed record SocketUpdate(string? Title, string? Description, string? DefaultValue, string? Schema, string? OverlaySegments);

public interface ISocketService
{
    Task<IReadOnlyList<Socket>> ListAsync(string? slug = null, CancellationToken ct = default);
    Task<Socket?> GetAsync(int id, CancellationToken ct = default);
    Task<Socket?> GetBySlugAsync(string slug, CancellationToken ct = default);
    Task<Result<Socket>> CreateAsync(Actor actor, SocketDraft draft, CancellationToken ct = default);
    Task<Result<Socket>> UpdateAsync(Actor actor, int id, SocketUpdate update, CancellationToken ct = default);
}

public sealed class SocketService(IDbContextFactory<AppDbContext> dbFactory) : ISocketService
{
    public const int MaxTitleLength = 255;

    public async Task<IReadOnlyList<Socket>> ListAsync(string? slug = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Sockets.AsNoTracking();
        if (slug is not null)
        {
            query = query.Where(s => s.Slug == slug);
        }

        return await query.OrderBy(s => s.Id).ToListAsync(ct);
    }

    public async Task<Socket?> GetAsync(int id, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Sockets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct);
    }

    public async Task<Socket?> GetBySlugAsync(string slug, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Sockets.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == slug, ct);
    }

    public async Task<Result<Socket>> CreateAsync(Actor actor, SocketDraft draft, CancellationToken ct = default)
    {
        if (!actor.IsSiteAdmin)
        {
            return Result<Socket>.Fail("Only site admins can create sockets.");
        }

        var errors = new Errors();
        var title = CheckTitle(draft.Title, errors);
        var kind = SocketKinds.FindByCodeOrLabel(draft.Kind);
        if (kind is null)
        {
            errors.Add("kind", string.IsNullOrWhiteSpace(draft.Kind) ? "A kind is required." : $"'{draft.Kind}' is not a socket kind.");
        }
        else if (!kind.IsSupported)
        {
            errors.Add("kind", kind.UnsupportedReason!);
        }

        var relativePath = draft.RelativePath?.Trim() ?? "";
        var storeInDatabase = draft.StoreInDatabase ?? kind?.MayStoreInDatabase ?? false;
        string? schema = null, defaultValue = null, overlaySegments = null;
        if (kind is not null)
        {
            if (SocketRules.CheckRelativePath(kind, relativePath) is { } pathError)
            {
                errors.Add("relative_path", pathError);
            }

            if (storeInDatabase && !kind.MayStoreInDatabase)
            {
                errors.Add("store_in_database", kind.IsJson
                    ? $"Values of kind '{kind.Label}' can be large, so new sockets of this kind keep them as files: leave store_in_database off."
                    : $"Values of kind '{kind.Label}' are {(kind.IsImage ? "images" : "files")} and cannot be stored in the database.");
            }

            schema = CheckSchema(kind, draft.Schema, errors);
            overlaySegments = CheckOverlaySegments(kind, draft.OverlaySegments, errors);
            defaultValue = CheckDefaultValue(kind, kind.SuperKindFor(storeInDatabase), schema, errors.Has("schema"), draft.DefaultValue, errors);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await CheckUniqueAsync(db, null, title, relativePath, errors, ct);
        if (errors.Any)
        {
            return errors.ToResult<Socket>();
        }

        for (var attempt = 0; ; attempt++)
        {
            var socket = new Socket
            {
                Title = title!,
                Slug = await UniqueSlugAsync(db, SocketRules.Slugify(title!), ct),
                Description = draft.Description?.Trim() ?? "",
                Kind = kind!.Code,
                RelativePath = relativePath,
                StoreInDatabase = storeInDatabase,
                Schema = schema,
                DefaultValue = defaultValue,
                OverlaySegments = overlaySegments,
            };
            db.Sockets.Add(socket);
            try
            {
                await db.SaveChangesAsync(ct);
                return Result<Socket>.Ok(socket);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Someone took the title, path or slug meanwhile: report the first two, try the next slug for the last.
                db.Entry(socket).State = EntityState.Detached;
                await CheckUniqueAsync(db, null, title, relativePath, errors, ct);
                if (errors.Any)
                {
                    return errors.ToResult<Socket>();
                }
            }
        }
    }

    public async Task<Result<Socket>> UpdateAsync(Actor actor, int id, SocketUpdate update, CancellationToken ct = default)
    {
        if (!actor.IsSiteAdmin)
        {
            return Result<Socket>.Fail("Only site admins can change sockets.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var socket = await db.Sockets.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (socket is null)
        {
            return Result<Socket>.Fail("No such socket.");
        }

        var kind = socket.KindInfo;
        var errors = new Errors();
        var title = CheckTitle(update.Title, errors);
        var schema = CheckSchema(kind, update.Schema, errors);
        var overlaySegments = CheckOverlaySegments(kind, update.OverlaySegments, errors);
        var defaultValue = CheckDefaultValue(kind, socket.SuperKind, schema, errors.Has("schema"), update.DefaultValue, errors);
        await CheckUniqueAsync(db, socket.Id, title, null, errors, ct);

        var hasValues = await db.SocketValues.AnyAsync(v => v.SocketId == socket.Id, ct);
        if (hasValues && !errors.Has("schema") && schema != socket.Schema)
        {
            errors.Add("schema", "The schema cannot be changed, as values of this socket exist: they were validated against the current one.");
        }

        if (hasValues && !errors.Has("overlay_segments") && !SocketRules.OverlaySegmentsPreserved(socket.OverlaySegments, overlaySegments))
        {
            errors.Add("overlay_segments", "Overlay segments cannot be changed, as values of this socket exist; they can only be extended.");
        }

        if (errors.Any)
        {
            return errors.ToResult<Socket>();
        }

        socket.Title = title!;
        socket.Description = update.Description?.Trim() ?? "";
        socket.Schema = schema;
        socket.DefaultValue = defaultValue;
        socket.OverlaySegments = overlaySegments;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            await CheckUniqueAsync(db, socket.Id, title, null, errors, ct);
            if (errors.Any)
            {
                return errors.ToResult<Socket>();
            }

            throw;
        }

        return Result<Socket>.Ok(socket);
    }

    private static string? CheckTitle(string? title, Errors errors)
    {
        title = title?.Trim();
        if (string.IsNullOrEmpty(title))
        {
            errors.Add("title", "A title is required.");
        }
        else if (title.Length > MaxTitleLength)
        {
            errors.Add("title", $"The title must be at most {MaxTitleLength} characters.");
        }
        else if (SocketRules.Slugify(title).Length == 0)
        {
            errors.Add("title", "The title needs at least one letter or digit (the slug is made from it).");
        }

        return title;
    }

    private static string? CheckSchema(SocketKind kind, string? text, Errors errors)
    {
        if (Parse(text, "schema", errors) is not { } schema)
        {
            return null;
        }

        using (schema)
        {
            if (!kind.IsJson)
            {
                errors.Add("schema", "A schema only applies to sockets of JSON kinds.");
                return null;
            }

            if (ValueSchemas.CheckSocketSchema(schema.RootElement) is { } error)
            {
                errors.Add("schema", error);
                return null;
            }

            return CanonicalJson.Canonicalise(schema.RootElement);
        }
    }

    private static string? CheckOverlaySegments(SocketKind kind, string? text, Errors errors)
    {
        using var segments = Parse(text, "overlay_segments", errors);
        var empty = segments is null || (segments.RootElement.ValueKind == JsonValueKind.Array && segments.RootElement.GetArrayLength() == 0);
        if (kind.Code != SocketKinds.Segmentation)
        {
            if (!empty)
            {
                errors.Add("overlay_segments", "Overlay segments should only be set for segmentations.");
            }

            return null;
        }

        if (empty)
        {
            if (!errors.Has("overlay_segments"))
            {
                errors.Add("overlay_segments", "Overlay segments must be set for a segmentation: list its segments as {\"name\", \"visible\", \"voxel_value\"}.");
            }

            return null;
        }

        var (canonical, error) = SocketRules.CheckOverlaySegments(segments!.RootElement);
        if (error is not null)
        {
            errors.Add("overlay_segments", error);
        }

        return canonical;
    }

    private static string? CheckDefaultValue(SocketKind kind, SocketSuperKind superKind, string? schema, bool schemaInvalid, string? text, Errors errors)
    {
        using var value = Parse(text, "default_value", errors);
        if (value is null)
        {
            return null;
        }

        if (superKind != SocketSuperKind.Value)
        {
            errors.Add("default_value", "Default values may only be defined for Value sockets (JSON kinds stored in the database).");
            return null;
        }

        if (!schemaInvalid && ValueSchemas.Validate(kind.Code, schema, value.RootElement) is { } error)
        {
            errors.Add("default_value", error);
            return null;
        }

        return CanonicalJson.Canonicalise(value.RootElement);
    }

    private static JsonDocument? Parse(string? text, string field, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(text);
            _ = CanonicalJson.Canonicalise(document.RootElement); // refuses repeated keys
            return document;
        }
        catch (JsonException e)
        {
            errors.Add(field, $"Not valid JSON: {e.Message}");
            return null;
        }
    }

    private static async Task CheckUniqueAsync(AppDbContext db, int? self, string? title, string? relativePath, Errors errors, CancellationToken ct)
    {
        if (title is { Length: > 0 } && !errors.Has("title") && await db.Sockets.AnyAsync(s => s.Title == title && s.Id != self, ct))
        {
            errors.Add("title", $"A socket titled '{title}' already exists.");
        }

        if (relativePath is not null && !errors.Has("relative_path") && await db.Sockets.AnyAsync(s => s.RelativePath == relativePath && s.Id != self, ct))
        {
            errors.Add("relative_path", $"Another socket already uses the relative path '{relativePath}'.");
        }
    }

    private static async Task<string> UniqueSlugAsync(AppDbContext db, string slug, CancellationToken ct)
    {
        var taken = (await db.Sockets.Where(s => s.Slug.StartsWith(slug)).Select(s => s.Slug).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        if (!taken.Contains(slug))
        {
            return slug;
        }

        for (var n = 2; ; n++)
        {
            var candidate = $"{slug}-{n}";
            if (!taken.Contains(candidate))
            {
                return candidate;
            }
        }
    }

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

        public bool Any => _byField.Count > 0;

        public bool Has(string field) => _byField.ContainsKey(field);

        public void Add(string field, string message)
        {
            if (!_byField.TryGetValue(field, out var list))
            {
                _byField[field] = list = [];
            }

            list.Add(message);
        }

        public Result<T> ToResult<T>() => new(default, string.Join(" ", _byField.Values.SelectMany(m => m)),
            _byField.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// Creates socket values after validating them. No method changes a stored value: equal JSON values and the same
/// image are found and reused (one row per socket and value), everything else is a new row.
/// </summary>
public interface ISocketValueService
{
    /// <summary>
    /// The value of <paramref name="socket"/> equal to <paramref name="value"/> (C# null is JSON null), created when new.
    /// Value sockets keep it in the database; JSON sockets that do not store in the database keep it as a file.
    /// </summary>
    Task<Result<SocketValue>> GetOrCreateJsonAsync(Socket socket, JsonNode? value, CancellationToken ct = default);

    /// <summary>
    /// A new value from a file. Its name must fit the kind (e.g. <c>.pdf</c>) and its content too. A JSON file for a JSON
    /// socket is parsed and validated, then stored like <see cref="GetOrCreateJsonAsync"/> (so it may be reused).
    /// </summary>
    Task<Result<SocketValue>> CreateFileAsync(Socket socket, Stream content, string fileName, CancellationToken ct = default);

    /// <summary>The value of an image socket that holds <paramref name="imageId"/>, created when new.</summary>
    Task<Result<SocketValue>> GetOrCreateImageAsync(Socket socket, Guid imageId, CancellationToken ct = default);

    /// <summary>Reads a file value's content.</summary>
    Stream OpenFile(SocketValue value);
}

public sealed class SocketValueService(
    IDbContextFactory<AppDbContext> dbFactory,
    IBlobStore blobs,
    DataDirectory dataDirectory,
    IOptions<ComponentsOptions> options,
    TimeProvider clock) : ISocketValueService
{
    private readonly ComponentsOptions _options = options.Value;

    public async Task<Result<SocketValue>> GetOrCreateJsonAsync(Socket socket, JsonNode? value, CancellationToken ct = default)
    {
        if (CheckSocket(socket, SocketKindGroup.Json) is { } error)
        {
            return Result<SocketValue>.Fail(error);
        }

        string text;
        try
        {
            text = value?.ToJsonString() ?? "null";
        }
        catch (ArgumentException e)
        {
            // e.g. a double NaN or Infinity built in code: not JSON.
            return Result<SocketValue>.Fail($"The value is not valid JSON. {e.Message}");
        }

        using var document = JsonDocument.Parse(text);
        return await GetOrCreateJsonAsync(socket, document.RootElement, ct);
    }

    public async Task<Result<SocketValue>> CreateFileAsync(Socket socket, Stream content, string fileName, CancellationToken ct = default)
    {
        var kind = SocketKinds.Find(socket.Kind);
        if (kind is { IsImage: true })
        {
            return Result<SocketValue>.Fail($"'{socket.Title}' takes images, which are imported, not stored as files.");
        }

        if (CheckSocket(socket, kind?.Group ?? SocketKindGroup.File) is { } socketError)
        {
            return Result<SocketValue>.Fail(socketError);
        }

        if (FileContentChecks.CheckFileName(kind!, Path.GetFileName(fileName)) is { } nameError)
        {
            return Result<SocketValue>.Fail(nameError);
        }

        var temp = Path.Combine(dataDirectory.Folder("tmp"), $"socket-value-{Guid.NewGuid():N}");
        try
        {
            var limit = kind!.IsJson ? _options.MaxJsonBytes : _options.MaxFileBytes;
            if (!await SpoolAsync(content, temp, limit, ct))
            {
                return Result<SocketValue>.Fail($"The file is too large: at most {limit:N0} bytes are accepted for a {kind.Label}.");
            }

            if (kind.IsJson)
            {
                return await CreateFromJsonFileAsync(socket, temp, ct);
            }

            if (FileContentChecks.CheckContent(kind, temp) is { } contentError)
            {
                return Result<SocketValue>.Fail(contentError);
            }

            var size = new FileInfo(temp).Length;
            return Result<SocketValue>.Ok(await InsertFileAsync(socket, null, size, async key =>
            {
                await using var file = File.OpenRead(temp);
                await blobs.WriteAsync(key, file, ct);
            }, ct));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<Result<SocketValue>> GetOrCreateImageAsync(Socket socket, Guid imageId, CancellationToken ct = default)
    {
        if (CheckSocket(socket, SocketKindGroup.Image) is { } error)
        {
            return Result<SocketValue>.Fail(error);
        }

        if (imageId == Guid.Empty)
        {
            return Result<SocketValue>.Fail("Image must be set.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.SocketValues.AsNoTracking().FirstOrDefaultAsync(v => v.SocketId == socket.Id && v.ImageId == imageId, ct);
        if (existing is not null)
        {
            return Result<SocketValue>.Ok(existing);
        }

        var (value, _) = await InsertOrFindAsync(
            new SocketValue { SocketId = socket.Id, ImageId = imageId, Created = clock.GetUtcNow() },
            query => query.Where(v => v.SocketId == socket.Id && v.ImageId == imageId),
            ct);
        return Result<SocketValue>.Ok(value);
    }

    public Stream OpenFile(SocketValue value) =>
        value.BlobKey is { } key ? blobs.OpenRead(key) : throw new InvalidOperationException($"Socket value {value.Id} is not a file.");

    private async Task<Result<SocketValue>> CreateFromJsonFileAsync(Socket socket, string path, CancellationToken ct)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(await File.ReadAllBytesAsync(path, ct));
        }
        catch (DecoderFallbackException)
        {
            return Result<SocketValue>.Fail("The file could not be decoded: JSON files must be UTF-8.");
        }

        try
        {
            using var document = JsonDocument.Parse(text.TrimStart('\uFEFF'));
            return await GetOrCreateJsonAsync(socket, document.RootElement, ct);
        }
        catch (JsonException e)
        {
            return Result<SocketValue>.Fail($"The file is not valid JSON. {e.Message}");
        }
    }

    private async Task<Result<SocketValue>> GetOrCreateJsonAsync(Socket socket, JsonElement value, CancellationToken ct)
    {
        string canonical;
        try
        {
            canonical = CanonicalJson.Canonicalise(value);
        }
        catch (JsonException e)
        {
            return Result<SocketValue>.Fail($"The value is not valid JSON. {e.Message}");
        }

        if (ValueSchemas.Validate(socket.Kind, socket.Schema, value) is { } schemaError)
        {
            return Result<SocketValue>.Fail(schemaError);
        }

        var hash = CanonicalJson.Hash(canonical);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await Matching(db.SocketValues.AsNoTracking(), socket, hash, canonical).FirstOrDefaultAsync(ct);
        if (existing is not null)
        {
            return Result<SocketValue>.Ok(existing);
        }

        if (socket.StoreInDatabase)
        {
            var (stored, _) = await InsertOrFindAsync(
                new SocketValue { SocketId = socket.Id, Value = canonical, ValueHash = hash, Created = clock.GetUtcNow() },
                query => Matching(query, socket, hash, canonical),
                ct);
            return Result<SocketValue>.Ok(stored);
        }

        var bytes = Encoding.UTF8.GetBytes(canonical);
        if (bytes.Length > _options.MaxFileBytes)
        {
            return Result<SocketValue>.Fail($"The value is too large: at most {_options.MaxFileBytes:N0} bytes are accepted.");
        }

        return Result<SocketValue>.Ok(await InsertFileAsync(socket, hash, bytes.Length, async key =>
        {
            using var stream = new MemoryStream(bytes, writable: false);
            await blobs.WriteAsync(key, stream, ct);
        }, ct));
    }

    // A JSON value kept as a file is identified by the hash of its canonical text alone (SHA-256), not re-read from storage.
    private static IQueryable<SocketValue> Matching(IQueryable<SocketValue> query, Socket socket, string hash, string canonical) =>
        socket.StoreInDatabase
            ? query.Where(v => v.SocketId == socket.Id && v.ValueHash == hash && v.Value == canonical)
            : query.Where(v => v.SocketId == socket.Id && v.ValueHash == hash && v.FileName != null);

    /// <summary>
    /// The row goes in first so that its id names the blob (<c>components/values/&lt;id&gt;/&lt;name&gt;</c>); if the
    /// blob cannot be written the row is removed again. Nobody holds the new id before this returns.
    /// </summary>
    private async Task<SocketValue> InsertFileAsync(Socket socket, string? hash, long size, Func<string, Task> writeBlob, CancellationToken ct)
    {
        var value = new SocketValue
        {
            SocketId = socket.Id,
            FileName = socket.FileName is { Length: > 0 } name ? name : $"value{socket.KindInfo.Extension}",
            ValueHash = hash,
            SizeInStorage = size,
            Created = clock.GetUtcNow(),
        };
        var inserted = true;
        if (hash is not null)
        {
            (value, inserted) = await InsertOrFindAsync(value, query => Matching(query, socket, hash, ""), ct);
            if (!inserted && blobs.Exists(value.BlobKey!))
            {
                return value;
            }
        }
        else
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            db.SocketValues.Add(value);
            await db.SaveChangesAsync(ct);
        }

        try
        {
            // Also when another writer's row was found without its blob (still being written, or a crash in between):
            // the content is the same canonical text, and blob writes replace atomically.
            await writeBlob(value.BlobKey!);
            return value;
        }
        catch when (inserted)
        {
            await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            await db.SocketValues.Where(v => v.Id == value.Id).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
    }

    /// <summary>Inserts; when a concurrent writer stored the same value first (unique index), returns theirs.</summary>
    private async Task<(SocketValue Value, bool Inserted)> InsertOrFindAsync(
        SocketValue value, Func<IQueryable<SocketValue>, IQueryable<SocketValue>> same, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.SocketValues.Add(value);
        try
        {
            await db.SaveChangesAsync(ct);
            return (value, true);
        }
        catch (DbUpdateException)
        {
            await using var again = await dbFactory.CreateDbContextAsync(ct);
            var existing = await same(again.SocketValues.AsNoTracking()).FirstOrDefaultAsync(ct) ?? throw new InvalidOperationException(
                $"Could not store a value of socket {value.SocketId}, and no equal value exists.");
            return (existing, false);
        }
    }

    private static string? CheckSocket(Socket socket, SocketKindGroup expected)
    {
        if (socket.Id <= 0)
        {
            return "The socket has not been saved.";
        }

        var kind = SocketKinds.Find(socket.Kind);
        if (kind is null)
        {
            return $"'{socket.Kind}' is not a socket kind.";
        }

        if (!kind.IsSupported)
        {
            return kind.UnsupportedReason;
        }

        if (kind.Group != expected)
        {
            return $"'{socket.Title}' is a {kind.Label} socket; it does not take {expected.ToString().ToLowerInvariant()} values.";
        }

        return null;
    }

    private static async Task<bool> SpoolAsync(Stream content, string path, long limit, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return false;
            }

            await file.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return true;
    }
}

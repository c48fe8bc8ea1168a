using GrandChallenge.Domain.Uploads;

namespace GrandChallenge.Domain.Common.Storage;

/// <summary>A logo or banner to send: the caller disposes the stream.</summary>
public sealed record Picture(Stream Content, string ContentType, string ETag);

/// <summary>
/// Logos and banners of challenges and algorithms: PNG or JPEG up to a size, each upload stored under a fresh key (so that
/// addresses can carry a version and browsers fetch a replaced picture anew).
/// </summary>
public static class Pictures
{
    /// <summary>
    /// Reads the whole upload, checks its size and that it is a PNG or JPEG, and stores it as
    /// <c>{prefix}-{random}.{png|jpg}</c>; the new key, or a field error naming <paramref name="field"/> with nothing stored.
    /// </summary>
    public static async Task<Result<string>> StoreAsync(IBlobStore blobs, Stream content, long maxBytes, string field, string prefix, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return Result<string>.Invalid(field, $"The {field} may be at most {ByteSize.Format(maxBytes)}.");
            }
        }

        var head = buffer.GetBuffer().AsSpan(0, (int)Math.Min(buffer.Length, MimeSniffer.HeadLength));
        var mime = MimeSniffer.Sniff(head, isWholeFile: buffer.Length <= MimeSniffer.HeadLength);
        var extension = mime switch
        {
            "image/png" => "png",
            "image/jpeg" => "jpg",
            _ => null,
        };
        if (extension is null)
        {
            return Result<string>.Invalid(field, $"The {field} must be a PNG or JPEG image; this file looks like {mime}.");
        }

        var key = $"{prefix}-{Guid.NewGuid():N}.{extension}";
        buffer.Position = 0;
        await blobs.WriteAsync(key, buffer, ct);
        return Result<string>.Ok(key);
    }

    /// <summary>The stored picture, or null when there is none (or its blob has gone).</summary>
    public static Picture? Open(IBlobStore blobs, string? key)
    {
        if (key is null || !blobs.Exists(key))
        {
            return null;
        }

        var contentType = key.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg";
        return new Picture(blobs.OpenRead(key), contentType, $"\"{Path.GetFileNameWithoutExtension(key)}\"");
    }

    /// <summary>A short version of a stored picture for its address (<c>?v=…</c>), or null when there is none.</summary>
    public static string? VersionOf(string? key) => key is null ? null : Path.GetFileNameWithoutExtension(key)[^8..];
}

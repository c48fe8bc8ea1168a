namespace GrandChallenge.Domain.Common.Storage;

/// <summary>
/// Where the platform keeps files (uploads, images, container archives, outputs), by key such as
/// <c>uploads/&lt;user&gt;/&lt;id&gt;/file</c>. The default is a folder under the data directory; an
/// S3-compatible store is the scale-out plan. Keys use '/' and never contain '..' segments.
/// </summary>
public interface IBlobStore
{
    /// <summary>Writes the stream under the key, replacing what was there; readers never see a half-written blob.</summary>
    Task<long> WriteAsync(string key, Stream content, CancellationToken ct = default);

    Stream OpenRead(string key);

    bool Exists(string key);

    long Length(string key);

    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>Deletes every blob whose key starts with <paramref name="prefix"/> followed by '/'.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken ct = default);

    /// <summary>A local file path for the blob, for tools that need one (Docker bind mounts, decoders).</summary>
    string LocalPath(string key);
}

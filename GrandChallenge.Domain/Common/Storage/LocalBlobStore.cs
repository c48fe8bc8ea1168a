namespace GrandChallenge.Domain.Common.Storage;

/// <summary>Blobs as files under <c>&lt;data&gt;/blobs</c>.</summary>
public sealed class LocalBlobStore(DataDirectory data) : IBlobStore
{
    private readonly string _root = data.Folder("blobs");

    public async Task<long> WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        var path = LocalPath(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.partial";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, 1 << 16, ct);
            }

            File.Move(temp, path, overwrite: true);
            return new FileInfo(path).Length;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public Stream OpenRead(string key) =>
        new FileStream(LocalPath(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);

    public bool Exists(string key) => File.Exists(LocalPath(key));

    public long Length(string key) => new FileInfo(LocalPath(key)).Length;

    public Task DeleteAsync(string key, CancellationToken ct = default)
    {
        File.Delete(LocalPath(key));
        return Task.CompletedTask;
    }

    public Task DeletePrefixAsync(string prefix, CancellationToken ct = default)
    {
        var path = LocalPath(prefix);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Task.CompletedTask;
    }

    public string LocalPath(string key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.StartsWith('/') || key.Contains('\\')
            || key.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"'{key}' is not a valid blob key.", nameof(key));
        }

        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }
}

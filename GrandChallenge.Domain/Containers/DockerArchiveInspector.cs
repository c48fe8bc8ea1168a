using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using GrandChallenge.Domain.Common;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Containers;

/// <summary>What validation learnt about the one image in an archive.</summary>
/// <param name="ImageSha256"><c>sha256:&lt;64 hex&gt;</c>: the digest of the image configuration, which is Docker's image id.</param>
public sealed record DockerArchiveInspection(
    string ImageSha256, string Os, string Architecture, string User, long UncompressedBytes, IReadOnlyList<string> RepoTags);

/// <summary>
/// Checks a <c>docker save</c> archive against DESIGN's container contract before it goes near the engine: exactly one
/// image, built for linux/amd64, a non-root <c>USER</c>, a configuration that matches its sha256, every layer present,
/// and a bounded size. Both layouts are read: Docker &lt; 25 (<c>&lt;sha&gt;.json</c>) and OCI (<c>blobs/sha256/&lt;sha&gt;</c>).
/// </summary>
public sealed class DockerArchiveInspector(IOptions<ContainerImageOptions> options)
{
    public const string MissingManifest =
        "The container image file is not a docker save archive: manifest.json is missing (was it created with docker save?)";

    public const string RunsAsRoot = "The container runs as root. Set a non-root USER in the Dockerfile.";

    /// <summary>Configurations and manifests are small JSON files; anything bigger is not one.</summary>
    internal const int MaxJsonBytes = 8 << 20;
    private const long MaxBufferedJsonBytes = 64L << 20;
    private const int MaxEntries = 100_000;

    public async Task<Result<DockerArchiveInspection>> InspectAsync(Stream archive, CancellationToken ct = default)
    {
        try
        {
            return Result<DockerArchiveInspection>.Ok(await ReadAsync(archive, ct));
        }
        catch (DockerArchiveException e)
        {
            return Result<DockerArchiveInspection>.Fail(e.Message);
        }
    }

    private async Task<DockerArchiveInspection> ReadAsync(Stream archive, CancellationToken ct)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var json = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[]? manifest = null;
        long buffered = 0, uncompressed = 0;

        await DockerArchive.ReadEntriesAsync(archive, options.Value.MaxUncompressedBytes, async entry =>
        {
            if (names.Count >= MaxEntries)
            {
                throw new DockerArchiveException($"The container image file has more than {MaxEntries} entries; it is not a docker save archive.");
            }

            var name = DockerArchive.Normalize(entry.Name);
            names.Add(name);
            uncompressed += entry.Length;
            if (entry.DataStream is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                return;
            }

            if (name == "manifest.json")
            {
                manifest = await ReadJsonAsync(entry, name, ct);
            }
            else if (IsConfigCandidate(name) && entry.Length <= MaxJsonBytes && buffered + entry.Length <= MaxBufferedJsonBytes)
            {
                // Layers are tar or gzip data; only JSON ('{') can be a configuration.
                var bytes = await ReadJsonAsync(entry, name, ct);
                if (bytes.Length > 0 && bytes[0] == (byte)'{')
                {
                    json[name] = bytes;
                    buffered += bytes.Length;
                }
            }
        }, ct);

        if (manifest is null)
        {
            throw new DockerArchiveException(MissingManifest);
        }

        var image = ParseManifest(manifest);
        var configPath = DockerArchive.Normalize(image.Config);
        foreach (var layer in image.Layers)
        {
            if (!names.Contains(DockerArchive.Normalize(layer)))
            {
                throw new DockerArchiveException($"The container image file is incomplete: layer {layer} named in manifest.json is missing.");
            }
        }

        if (!json.TryGetValue(configPath, out var config))
        {
            throw new DockerArchiveException($"The container image file is incomplete: the image configuration {image.Config} named in manifest.json is missing.");
        }

        var sha = DigestOf(configPath);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(config)), sha, StringComparison.Ordinal))
        {
            throw new DockerArchiveException("The image configuration in the container image file does not match its sha256 digest; the file is damaged.");
        }

        var (os, architecture, user) = ParseConfig(config);
        if (architecture != "amd64" || (os.Length > 0 && os != "linux"))
        {
            var platform = os.Length > 0 && os != "linux" ? $"{os}/{Display(architecture)}" : Display(architecture);
            throw new DockerArchiveException($"The container image is built for {platform}; it must be linux/amd64.");
        }

        if (IsRoot(user))
        {
            throw new DockerArchiveException(RunsAsRoot);
        }

        return new DockerArchiveInspection($"sha256:{sha}", os.Length > 0 ? os : "linux", architecture, user, uncompressed, image.RepoTags);
    }

    /// <summary>Empty, <c>root</c>, <c>0</c>, <c>0:*</c> and <c>root:*</c> all run as root (DESIGN, as grand-challenge.org).</summary>
    public static bool IsRoot(string? user)
    {
        user = user?.Trim() ?? "";
        return user is "" or "root" or "0" || user.StartsWith("0:", StringComparison.Ordinal) || user.StartsWith("root:", StringComparison.Ordinal);
    }

    private static string Display(string architecture) => architecture.Length > 0 ? architecture : "an unknown architecture";

    private static bool IsConfigCandidate(string name) =>
        (!name.Contains('/') && name.EndsWith(".json", StringComparison.Ordinal)) || name.StartsWith("blobs/", StringComparison.Ordinal);

    private static async Task<byte[]> ReadJsonAsync(TarEntry entry, string name, CancellationToken ct)
    {
        if (entry.Length > MaxJsonBytes)
        {
            throw new DockerArchiveException($"{name} in the container image file is larger than {DockerArchive.FormatBytes(MaxJsonBytes)}; it is not a docker save archive.");
        }

        var bytes = new byte[entry.Length];
        await entry.DataStream!.ReadExactlyAsync(bytes, ct);
        return bytes;
    }

    private sealed record ManifestImage(string Config, IReadOnlyList<string> Layers, IReadOnlyList<string> RepoTags);

    private static ManifestImage ParseManifest(byte[] manifest)
    {
        const string invalid = "The manifest.json of the container image file is not valid (was it created with docker save?)";
        try
        {
            using var document = JsonDocument.Parse(manifest);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new DockerArchiveException(invalid);
            }

            var count = document.RootElement.GetArrayLength();
            if (count != 1)
            {
                throw new DockerArchiveException($"The container image file contains {count} images; upload exactly one.");
            }

            var image = document.RootElement[0];
            if (image.ValueKind != JsonValueKind.Object
                || !image.TryGetProperty("Config", out var config) || config.ValueKind != JsonValueKind.String || config.GetString() is not { Length: > 0 } configPath)
            {
                throw new DockerArchiveException(invalid);
            }

            return new ManifestImage(configPath, Strings(image, "Layers"), Strings(image, "RepoTags"));
        }
        catch (JsonException)
        {
            throw new DockerArchiveException(invalid);
        }
    }

    private static List<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
            : [];

    /// <summary>The 64 hex digits a configuration is named by: <c>&lt;sha&gt;.json</c> or <c>blobs/sha256/&lt;sha&gt;</c>.</summary>
    private static string DigestOf(string configPath)
    {
        var name = configPath.StartsWith("blobs/sha256/", StringComparison.Ordinal)
            ? configPath["blobs/sha256/".Length..]
            : Path.GetFileName(configPath);
        if (name.EndsWith(".json", StringComparison.Ordinal))
        {
            name = name[..^".json".Length];
        }

        if (name.StartsWith("sha256:", StringComparison.Ordinal))
        {
            name = name["sha256:".Length..];
        }

        if (name.Length != 64 || !name.All(char.IsAsciiHexDigitLower))
        {
            throw new DockerArchiveException($"The image configuration {configPath} is not named by a sha256 digest (was the file created with docker save?)");
        }

        return name;
    }

    private static (string Os, string Architecture, string User) ParseConfig(byte[] config)
    {
        try
        {
            using var document = JsonDocument.Parse(config);
            var root = document.RootElement;
            var user = root.TryGetProperty("config", out var inner) && inner.ValueKind == JsonValueKind.Object
                       && inner.TryGetProperty("User", out var u) && u.ValueKind == JsonValueKind.String
                ? u.GetString()!
                : "";
            return (StringOrEmpty(root, "os"), StringOrEmpty(root, "architecture"), user);
        }
        catch (JsonException)
        {
            throw new DockerArchiveException("The image configuration in the container image file is not valid JSON; the file is damaged.");
        }
    }

    private static string StringOrEmpty(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : "";
}

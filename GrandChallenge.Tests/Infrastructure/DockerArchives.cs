using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>
/// Builds <c>docker save</c> archives in memory (both layouts), compresses them, and rewrites saved ones, so the
/// validation rules can be tested without an engine and the engine tests can make images it must reject.
/// </summary>
public static class DockerArchives
{
    public sealed record Image(string User = "1000", string Architecture = "amd64", string Os = "linux", string[]? RepoTags = null, byte[]? Layer = null)
    {
        private byte[]? _layer;

        public byte[] Config => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["architecture"] = Architecture,
            ["os"] = Os,
            ["config"] = new JsonObject { ["User"] = User, ["Cmd"] = new JsonArray("sh") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray($"sha256:{Sha(LayerBytes)}") },
        });

        public byte[] LayerBytes => _layer ??= Layer ?? LayerTar("hello.txt", "hello");

        public string ConfigSha => Sha(Config);
    }

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A layer: a tar with one file.</summary>
    public static byte[] LayerTar(string name, string content)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                ModificationTime = DateTimeOffset.UnixEpoch,
            });
        }

        return output.ToArray();
    }

    /// <summary>Docker &lt; 25: <c>&lt;layer&gt;/layer.tar</c>, <c>&lt;sha&gt;.json</c>, manifest.json last, plus repositories.</summary>
    public static byte[] Legacy(params Image[] images) => Legacy(images, includeManifest: true);

    public static byte[] Legacy(Image[] images, bool includeManifest, Func<Image, string, byte[]>? tamperConfig = null, bool dropLayers = false)
    {
        var entries = new List<(string Name, byte[] Data)>();
        var manifest = new JsonArray();
        foreach (var image in images)
        {
            var layerId = Sha(image.LayerBytes);
            if (!dropLayers)
            {
                entries.Add(($"{layerId}/VERSION", "1.0"u8.ToArray()));
                entries.Add(($"{layerId}/layer.tar", image.LayerBytes));
            }

            entries.Add(($"{image.ConfigSha}.json", tamperConfig?.Invoke(image, image.ConfigSha) ?? image.Config));
            manifest.Add(new JsonObject
            {
                ["Config"] = $"{image.ConfigSha}.json",
                ["RepoTags"] = new JsonArray((image.RepoTags ?? ["test/image:latest"]).Select(t => (JsonNode)t).ToArray()),
                ["Layers"] = new JsonArray($"{layerId}/layer.tar"),
            });
        }

        if (includeManifest)
        {
            entries.Add(("manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest)));
        }

        entries.Add(("repositories", """{"test/image":{"latest":"x"}}"""u8.ToArray()));
        return Tar(entries);
    }

    /// <summary>Docker ≥ 25 / OCI: everything under <c>blobs/sha256/</c>, index.json and manifest.json at the end.</summary>
    public static byte[] Oci(Image image)
    {
        var layerSha = Sha(image.LayerBytes);
        var imageManifest = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = $"sha256:{image.ConfigSha}", ["size"] = image.Config.Length },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar", ["digest"] = $"sha256:{layerSha}", ["size"] = image.LayerBytes.Length }),
        });
        var index = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["digest"] = $"sha256:{Sha(imageManifest)}",
                ["size"] = imageManifest.Length,
                ["annotations"] = new JsonObject { ["io.containerd.image.name"] = "docker.io/test/image:latest", ["org.opencontainers.image.ref.name"] = "latest" },
            }),
        });
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new JsonArray(new JsonObject
        {
            ["Config"] = $"blobs/sha256/{image.ConfigSha}",
            ["RepoTags"] = new JsonArray("test/image:latest"),
            ["Layers"] = new JsonArray($"blobs/sha256/{layerSha}"),
        }));
        return Tar([
            ("blobs/sha256/" + layerSha, image.LayerBytes),
            ("blobs/sha256/" + image.ConfigSha, image.Config),
            ("blobs/sha256/" + Sha(imageManifest), imageManifest),
            ("index.json", index),
            ("manifest.json", manifest),
            ("oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray()),
        ]);
    }

    public static byte[] Tar(IEnumerable<(string Name, byte[] Data)> entries)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        return output.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>xz from Debian's xz-utils (SharpCompress only decompresses xz).</summary>
    public static byte[] Xz(byte[] data)
    {
        var start = new ProcessStartInfo("xz", "-T1 -0 -c") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        process.StandardInput.BaseStream.Write(data);
        process.StandardInput.Close();
        copy.Wait();
        process.WaitForExit();
        return output.ToArray();
    }

    /// <summary>
    /// Rewrites a saved (legacy layout) archive so that its image claims another architecture, keeping it internally
    /// consistent: the configuration is re-hashed and renamed and manifest.json points at the new name.
    /// </summary>
    public static byte[] WithArchitecture(byte[] archive, string architecture)
    {
        var entries = ReadTar(archive);
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsArray();
        var configName = manifest[0]!["Config"]!.GetValue<string>();
        var config = JsonNode.Parse(entries.Single(e => e.Name == configName).Data)!;
        config["architecture"] = architecture;
        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        var newName = $"{Sha(configBytes)}.json";
        manifest[0]!["Config"] = newName;
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        return Tar(entries.Select(e => e.Name == configName ? (newName, configBytes)
            : e.Name == "manifest.json" ? (e.Name, manifestBytes)
            : e));
    }

    /// <summary>The archive without its manifest.json.</summary>
    public static byte[] WithoutManifest(byte[] archive) => Tar(ReadTar(archive).Where(e => e.Name != "manifest.json"));

    /// <summary>Regular files of a tar with their contents (directories dropped; fine for the small test archives).</summary>
    public static List<(string Name, byte[] Data)> ReadTar(byte[] archive)
    {
        var entries = new List<(string, byte[])>();
        using var reader = new TarReader(new MemoryStream(archive));
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                entries.Add((entry.Name, data.ToArray()));
            }
        }

        return entries;
    }
}

using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GrandChallenge.Domain.Containers;

/// <summary>
/// Writes a validated archive as the plain tar that goes to <c>docker load</c>, without the names it carries: the
/// legacy <c>repositories</c> file is dropped, <c>RepoTags</c> in manifest.json emptied and image-name annotations
/// removed from an OCI index.json. Loading an upload must never move a tag of the platform or of another upload.
/// </summary>
public static class DockerArchiveRewriter
{
    private static readonly string[] NameAnnotations = ["io.containerd.image.name", "org.opencontainers.image.ref.name"];

    public static async Task WriteUntaggedTarAsync(Stream archive, Stream destination, long maxUncompressedBytes, CancellationToken ct)
    {
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await DockerArchive.ReadEntriesAsync(archive, maxUncompressedBytes, async entry =>
        {
            var name = DockerArchive.Normalize(entry.Name);
            switch (name)
            {
                case "repositories":
                    return;
                case "manifest.json" when entry.DataStream is not null:
                    await WriteJsonAsync(writer, entry, RemoveRepoTags, ct);
                    return;
                case "index.json" when entry.DataStream is not null:
                    await WriteJsonAsync(writer, entry, RemoveNameAnnotations, ct);
                    return;
                default:
                    await writer.WriteEntryAsync(entry, ct);
                    return;
            }
        }, ct);
    }

    private static async Task WriteJsonAsync(TarWriter writer, TarEntry entry, Action<JsonNode> rewrite, CancellationToken ct)
    {
        if (entry.Length > DockerArchiveInspector.MaxJsonBytes)
        {
            throw new DockerArchiveException($"{entry.Name} in the container image file is too large.");
        }

        JsonNode node;
        try
        {
            node = await JsonNode.ParseAsync(entry.DataStream!, cancellationToken: ct)
                   ?? throw new DockerArchiveException($"{entry.Name} in the container image file is empty.");
        }
        catch (JsonException)
        {
            throw new DockerArchiveException($"{entry.Name} in the container image file is not valid JSON.");
        }

        rewrite(node);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node);
        var replacement = new PaxTarEntry(TarEntryType.RegularFile, entry.Name)
        {
            DataStream = new MemoryStream(bytes),
            ModificationTime = entry.ModificationTime,
            Mode = entry.Mode,
        };
        await writer.WriteEntryAsync(replacement, ct);
    }

    private static void RemoveRepoTags(JsonNode manifest)
    {
        if (manifest is JsonArray images)
        {
            foreach (var image in images.OfType<JsonObject>())
            {
                image["RepoTags"] = null;
            }
        }
    }

    private static void RemoveNameAnnotations(JsonNode index)
    {
        if (index is not JsonObject root)
        {
            return;
        }

        var entries = new List<JsonObject> { root };
        if (root["manifests"] is JsonArray manifests)
        {
            entries.AddRange(manifests.OfType<JsonObject>());
        }

        foreach (var annotations in entries.Select(e => e["annotations"]).OfType<JsonObject>())
        {
            foreach (var key in NameAnnotations)
            {
                annotations.Remove(key);
            }
        }
    }
}

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
                    await writer.WriteEntryAsync(Copy(entry), ct);
                    return;
            }
        }, ct);
    }

    /// <summary>
    /// A fresh entry with the same header and the source's data. TarWriter refuses a data stream it cannot measure when
    /// the archive stream cannot seek either (a pipe to the engine); the tar header already says how long the data is.
    /// </summary>
    private static PaxTarEntry Copy(TarEntry entry)
    {
        var copy = new PaxTarEntry(entry.EntryType == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : entry.EntryType, entry.Name)
        {
            Mode = entry.Mode,
            ModificationTime = entry.ModificationTime,
            Uid = entry.Uid,
            Gid = entry.Gid,
        };
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
        {
            copy.LinkName = entry.LinkName;
        }

        if (entry.DataStream is { } data)
        {
            copy.DataStream = new KnownLengthStream(data, entry.Length);
        }

        return copy;
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

    /// <summary>Reports the length the tar header gave, so that TarWriter can write the entry in one pass.</summary>
    private sealed class KnownLengthStream(Stream inner, long length) : ReadOnlyStream
    {
        private long _position;

        public override bool CanSeek => true;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            _position += n;
            return n;
        }
    }
}

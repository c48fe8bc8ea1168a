using System.Formats.Tar;
using System.IO.Compression;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Imaging.Import;

/// <summary>A file of an import: where it is in the work directory and the name the uploader knows it by.</summary>
/// <param name="Path">Full path in the work directory.</param>
/// <param name="Name">Upload-relative name: <c>scan.mha</c>, or <c>study.zip/series1/slice1.dcm</c> inside an archive.</param>
public sealed record ImportFile(string Path, string Name);

/// <summary>The files left after unpacking, and an error for each archive that was refused or unreadable.</summary>
public sealed record UnpackResult(IReadOnlyList<ImportFile> Files, IReadOnlyDictionary<string, string> FileErrors);

/// <summary>
/// Unpacks the zip and tar (.tar, .tar.gz, .tgz) files of an upload, archives inside archives too, into the import's work
/// directory. An archive is refused as a whole, with an error on it and nothing of it kept, when an entry escapes the
/// folder (<c>../</c>, absolute paths), is a link, unpacks beyond <see cref="ImageImportOptions.MaxCompressionRatio"/>
/// (a zip bomb) or beyond the session's byte and file limits. Sizes are counted as bytes are written, not taken from headers.
/// </summary>
public sealed class ImageUnpacker(IOptions<ImageImportOptions> options)
{
    private readonly ImageImportOptions _options = options.Value;

    public UnpackResult Unpack(IReadOnlyList<ImportFile> files, string workDirectory, CancellationToken ct)
    {
        var state = new State(Path.Combine(workDirectory, "unpacked"));
        var result = new List<ImportFile>();
        foreach (var file in files)
        {
            Visit(file, 0, result, state, ct);
        }

        return new UnpackResult(result, state.Errors);
    }

    private void Visit(ImportFile file, int depth, List<ImportFile> result, State state, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var kind = ArchiveKindOf(file.Path);
        if (kind == ArchiveKind.None)
        {
            if (state.Accepted + state.Pending >= _options.MaxFiles)
            {
                state.Errors[file.Name] = $"The upload holds more than {_options.MaxFiles} files; this one was not imported.";
                return;
            }

            result.Add(file);
            state.Accepted++;
            return;
        }

        if (depth >= _options.MaxNesting)
        {
            state.Errors[file.Name] = $"Archives are unpacked at most {_options.MaxNesting} levels deep; this one was not.";
            return;
        }

        var target = Path.Combine(state.Root, (state.Archives++).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(target);
        var entries = new List<ImportFile>();
        var bytesBefore = state.Bytes;
        try
        {
            if (kind == ArchiveKind.Zip)
            {
                UnpackZip(file, target, entries, state, ct);
            }
            else
            {
                UnpackTar(file, kind, target, entries, state, ct);
            }

            // The archive itself is done with; its entries take its place (and may be archives again).
            File.Delete(file.Path);
        }
        catch (Exception e) when (e is UnpackRefusedException or InvalidDataException or IOException or NotSupportedException or FormatException or UnauthorizedAccessException)
        {
            state.Errors[file.Name] = e is UnpackRefusedException
                ? e.Message
                : $"The archive could not be unpacked: {e.Message}";
            state.Bytes = bytesBefore;
            Directory.Delete(target, recursive: true);
            return;
        }

        state.Pending += entries.Count;
        foreach (var entry in entries)
        {
            state.Pending--;
            Visit(entry, depth + 1, result, state, ct);
        }
    }

    private void UnpackZip(ImportFile file, string target, List<ImportFile> entries, State state, CancellationToken ct)
    {
        using var zip = ZipFile.OpenRead(file.Path);
        foreach (var entry in zip.Entries)
        {
            ct.ThrowIfCancellationRequested();
            const int unixFileType = 0xF000 << 16;
            var type = entry.ExternalAttributes & unixFileType;
            if (type == 0xA000 << 16)
            {
                throw new UnpackRefusedException($"The archive holds a symbolic link ({entry.FullName}); links are not allowed.");
            }

            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
            {
                CheckedPath(target, entry.FullName);
                continue;
            }

            var path = Reserve(target, entry.FullName, entries, state);
            using var source = entry.Open();
            Copy(source, path, entry.FullName, Math.Max(entry.CompressedLength, 1), state, ct);
            entries.Add(new ImportFile(path, $"{file.Name}/{Normalise(entry.FullName)}"));
        }
    }

    private void UnpackTar(ImportFile file, ArchiveKind kind, string target, List<ImportFile> entries, State state, CancellationToken ct)
    {
        using var stream = File.OpenRead(file.Path);
        var packed = Math.Max(stream.Length, 1);
        using var data = kind == ArchiveKind.TarGz ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
        using var reader = new TarReader(data);
        var archiveBytes = 0L;
        while (reader.GetNextEntry() is { } entry)
        {
            ct.ThrowIfCancellationRequested();
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    CheckedPath(target, entry.Name);
                    continue;
                case TarEntryType.SymbolicLink or TarEntryType.HardLink:
                    throw new UnpackRefusedException($"The archive holds a link ({entry.Name}); links are not allowed.");
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    break;
                default:
                    continue; // global headers, devices, fifos: nothing to import
            }

            var path = Reserve(target, entry.Name, entries, state);
            if (entry.DataStream is { } content)
            {
                // A .tar.gz shares one compression over every entry: the ratio limit applies to the whole archive.
                var written = Copy(content, path, entry.Name, kind == ArchiveKind.TarGz ? packed : long.MaxValue / 2, state, ct, archiveBytes);
                archiveBytes += written;
            }
            else
            {
                File.WriteAllBytes(path, []);
            }

            entries.Add(new ImportFile(path, $"{file.Name}/{Normalise(entry.Name)}"));
        }
    }

    /// <summary>Checks the entry's name and the file limit, and returns where it goes.</summary>
    private string Reserve(string target, string entryName, List<ImportFile> entries, State state)
    {
        var path = CheckedPath(target, entryName);
        if (File.Exists(path))
        {
            throw new UnpackRefusedException($"The archive holds {entryName} twice.");
        }

        if (state.Accepted + state.Pending + entries.Count >= _options.MaxFiles)
        {
            throw new UnpackRefusedException($"The archive holds more than {_options.MaxFiles} files, the most one upload may hold.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private long Copy(Stream source, string path, string entryName, long packedBytes, State state, CancellationToken ct, long alreadyFromPacked = 0)
    {
        var buffer = new byte[81920];
        long written = 0;
        using var destination = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            ct.ThrowIfCancellationRequested();
            written += n;
            state.Bytes += n;
            var unpacked = alreadyFromPacked + written;
            if (unpacked > _options.RatioFreeBytes && unpacked / (double)packedBytes > _options.MaxCompressionRatio)
            {
                throw new UnpackRefusedException(
                    $"{entryName} unpacks to more than {_options.MaxCompressionRatio} times its packed size; the archive looks like a zip bomb and was refused.");
            }

            if (state.Bytes > _options.MaxUnpackedBytes)
            {
                throw new UnpackRefusedException(
                    $"The upload unpacks to more than {ByteText(_options.MaxUnpackedBytes)}; the archive was refused.");
            }

            destination.Write(buffer, 0, n);
        }

        return written;
    }

    /// <summary>The entry's path under <paramref name="target"/>; refuses absolute paths and any that climb out.</summary>
    private static string CheckedPath(string target, string entryName)
    {
        var name = entryName.Replace('\\', '/');
        if (name.StartsWith('/') || Path.IsPathRooted(name) || (name.Length >= 2 && name[1] == ':'))
        {
            throw new UnpackRefusedException($"The archive holds an entry with an absolute path ({entryName}); it was refused.");
        }

        if (name.Split('/').Any(segment => segment == ".."))
        {
            throw new UnpackRefusedException($"The archive holds an entry that points outside it ({entryName}); it was refused.");
        }

        var full = Path.GetFullPath(Path.Combine(target, name));
        var root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        if (!full.StartsWith(root, StringComparison.Ordinal) && full + Path.DirectorySeparatorChar != root)
        {
            throw new UnpackRefusedException($"The archive holds an entry that points outside it ({entryName}); it was refused.");
        }

        return full;
    }

    private static string Normalise(string entryName) =>
        string.Join('/', entryName.Replace('\\', '/').Split('/').Where(s => s is not ("" or ".")));

    private static string ByteText(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.#} GiB" : $"{bytes / (double)(1L << 20):0.#} MiB";

    private static ArchiveKind ArchiveKindOf(string path)
    {
        Span<byte> head = stackalloc byte[512];
        int n;
        try
        {
            using var file = File.OpenRead(path);
            n = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (IOException)
        {
            return ArchiveKind.None;
        }

        head = head[..n];
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return ArchiveKind.Zip;
        }

        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            return ArchiveKind.Tar;
        }

        var name = path.ToLowerInvariant();
        if (n >= 2 && head[0] == 0x1F && head[1] == 0x8B && (name.EndsWith(".tar.gz", StringComparison.Ordinal) || name.EndsWith(".tgz", StringComparison.Ordinal)))
        {
            return ArchiveKind.TarGz;
        }

        return name.EndsWith(".tar", StringComparison.Ordinal) && n > 0 ? ArchiveKind.Tar : ArchiveKind.None;
    }

    private enum ArchiveKind
    {
        None,
        Zip,
        Tar,
        TarGz,
    }

    private sealed class State(string root)
    {
        public string Root { get; } = root;
        public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);
        public long Bytes { get; set; }
        public int Archives { get; set; }
        public int Accepted { get; set; }
        /// <summary>Entries unpacked but not yet visited: they count against the file limit already.</summary>
        public int Pending { get; set; }
    }

    private sealed class UnpackRefusedException(string message) : Exception(message);
}

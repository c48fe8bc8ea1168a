using System.IO.Compression;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// Unpacks a ZIP input (grand-challenge.org's legacy predictions zip) the way its container shim does: into the folder
/// the zip would sit in, without a common top folder and without <c>__MACOSX</c>, <c>.DS_Store</c> and
/// <c>desktop.ini</c>. Refuses absolute paths, '..', symbolic links, clashes with other inputs, and archives that
/// unpack to too many entries, too many bytes or at a suspicious compression ratio.
/// </summary>
public sealed class ZipInputExtractor(ComponentsOptions limits)
{
    /// <summary>Entries smaller than this are not judged by their own ratio (tiny text files compress very well).</summary>
    private const long RatioCheckMinimumBytes = 1 << 20;

    /// <param name="reserved">Paths (relative to <paramref name="destination"/>) the archive must not provide, e.g. inputs.json.</param>
    public async Task ExtractAsync(Stream archiveStream, string destination, IReadOnlyCollection<string>? reserved = null, CancellationToken ct = default)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(archiveStream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InputStagingException($"The zip file could not be read: {e.Message}");
        }

        using (archive)
        {
            var entries = Plan(archive);
            if (entries.FirstOrDefault(e => reserved?.Contains(string.Join('/', e.Segments), StringComparer.OrdinalIgnoreCase) == true) is { Entry: not null } clash)
            {
                throw new InputStagingException($"The zip file contains '{clash.Entry.FullName}', a name the platform reserves for its own file.");
            }

            InputStager.EnsureDirectory(destination);
            long written = 0;
            foreach (var (entry, segments) in entries)
            {
                var target = Path.GetFullPath(Path.Combine([destination, .. segments]));
                if (!SafePaths.IsInside(destination, target))
                {
                    throw new InputStagingException($"The zip file contains '{entry.FullName}', which points outside the input folder.");
                }

                InputStager.EnsureDirectory(Path.GetDirectoryName(target)!);
                await using var output = InputStager.CreateFile(target, entry.FullName);
                await using var input = entry.Open();
                written = await CopyLimitedAsync(input, output, entry, written, ct);
            }
        }
    }

    private List<(ZipArchiveEntry Entry, string[] Segments)> Plan(ZipArchive archive)
    {
        if (archive.Entries.Count > limits.MaxZipEntries)
        {
            throw new InputStagingException($"The zip file has {archive.Entries.Count} entries; at most {limits.MaxZipEntries} are allowed.");
        }

        var files = new List<(ZipArchiveEntry, string[])>();
        long declared = 0, compressed = 0;
        foreach (var entry in archive.Entries)
        {
            var name = entry.FullName.Replace('\\', '/');
            var isDirectory = name.EndsWith('/');
            var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':') || segments.Any(s => s is ".." or ".") || name.Any(char.IsControl))
            {
                throw new InputStagingException($"The zip file contains '{entry.FullName}', which is not a plain relative path.");
            }

            if (IsSymbolicLink(entry))
            {
                throw new InputStagingException($"The zip file contains a symbolic link ('{entry.FullName}'), which is not allowed.");
            }

            if (isDirectory || segments.Length == 0 || segments[0] == "__MACOSX" || segments[^1] is ".DS_Store" or "desktop.ini")
            {
                continue;
            }

            if (entry.Length > RatioCheckMinimumBytes && entry.Length > (entry.CompressedLength + 1) * limits.MaxZipCompressionRatio)
            {
                throw new InputStagingException($"The zip entry '{entry.FullName}' is compressed more than {limits.MaxZipCompressionRatio}:1, which is not allowed.");
            }

            declared += entry.Length;
            compressed += entry.CompressedLength;
            files.Add((entry, segments));
        }

        if (declared > limits.MaxZipBytes)
        {
            throw new InputStagingException($"The zip file unpacks to {declared:N0} bytes; at most {limits.MaxZipBytes:N0} are allowed.");
        }

        if (declared > RatioCheckMinimumBytes && declared > (compressed + 1) * limits.MaxZipCompressionRatio)
        {
            throw new InputStagingException($"The zip file is compressed more than {limits.MaxZipCompressionRatio}:1, which is not allowed.");
        }

        // Drop the folders every file shares ("predictions/a.csv", "predictions/b.csv" → "a.csv", "b.csv").
        while (files.Count > 0 && files.All(f => f.Item2.Length > 1 && f.Item2[0] == files[0].Item2[0]))
        {
            files = files.Select(f => (f.Item1, f.Item2[1..])).ToList();
        }

        return files;
    }

    private async Task<long> CopyLimitedAsync(Stream input, Stream output, ZipArchiveEntry entry, long writtenBefore, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        long entryBytes = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            entryBytes += read;
            // Sizes in the archive's directory can lie; the bytes actually unpacked are what count.
            if (entryBytes > entry.Length || writtenBefore + entryBytes > limits.MaxZipBytes)
            {
                throw new InputStagingException($"The zip entry '{entry.FullName}' unpacks to more bytes than the archive declares or allows.");
            }

            await output.WriteAsync(buffer.AsMemory(0, read), ct);
        }

        return writtenBefore + entryBytes;
    }

    // Unix zippers keep the file type in the high 16 bits of the external attributes; 0xA000 is a symbolic link.
    private static bool IsSymbolicLink(ZipArchiveEntry entry) => ((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000;
}

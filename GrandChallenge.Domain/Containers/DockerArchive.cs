using System.Formats.Tar;
using SharpCompress.Compressors.Xz;

namespace GrandChallenge.Domain.Containers;

/// <summary>A <c>docker save</c> archive that breaks a rule; the message is for the user who uploaded it.</summary>
public sealed class DockerArchiveException(string message) : Exception(message);

/// <summary>Reading from the archive's storage failed: an infrastructure fault, never the upload's.</summary>
public sealed class DockerArchiveSourceException(Exception inner) : IOException($"Could not read the container image file from storage: {inner.Message}", inner);

/// <summary>
/// Streams through a <c>docker save</c> archive, plain or compressed (gzip, xz — detected by their magic bytes,
/// whatever the file is called), without ever holding it in memory.
/// </summary>
public static class DockerArchive
{
    public const string CouldNotDecompress = "Could not decompress the container image file.";

    private static readonly byte[] GzipMagic = [0x1f, 0x8b];
    private static readonly byte[] XzMagic = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
    private const int TarMagicOffset = 257;
    private static readonly byte[] TarMagic = "ustar"u8.ToArray();

    /// <summary>
    /// Calls <paramref name="visit"/> for each entry of the archive in order. Unreadable input becomes a
    /// <see cref="DockerArchiveException"/>; more than <paramref name="maxUncompressedBytes"/> after decompression too.
    /// </summary>
    public static async Task ReadEntriesAsync(Stream archive, long maxUncompressedBytes, Func<TarEntry, Task> visit, CancellationToken ct)
    {
        var source = new GuardedSourceStream(archive);
        var head = new byte[TarMagicOffset + TarMagic.Length];
        var headLength = await source.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        Stream prefixed = new PrefixedStream(head.AsMemory(0, headLength), source);

        Stream decompressed;
        var span = head.AsSpan(0, headLength);
        if (span.StartsWith(GzipMagic))
        {
            decompressed = new System.IO.Compression.GZipStream(prefixed, System.IO.Compression.CompressionMode.Decompress);
        }
        else if (span.StartsWith(XzMagic))
        {
            decompressed = new XZStream(prefixed);
        }
        else if (headLength == head.Length && span[TarMagicOffset..].SequenceEqual(TarMagic))
        {
            decompressed = prefixed;
        }
        else
        {
            throw new DockerArchiveException(CouldNotDecompress);
        }

        var counted = new LimitedStream(decompressed, maxUncompressedBytes);
        try
        {
            using var reader = new TarReader(counted);
            while (await reader.GetNextEntryAsync(copyData: false, ct) is { } entry)
            {
                await visit(entry);
            }

            // Read to the very end, so gzip and xz check their checksums: damage that happened to decode into a
            // plausible tar is caught here rather than passed on.
            await counted.CopyToAsync(Stream.Null, ct);
        }
        catch (Exception e) when (e is not (DockerArchiveException or DockerArchiveSourceException or OperationCanceledException or OutOfMemoryException))
        {
            // Anything the decompressors or the tar reader throw on damaged input: EOF, bad headers, bad checksums, LZMA errors.
            throw new DockerArchiveException(CouldNotDecompress);
        }
        finally
        {
            await decompressed.DisposeAsync();
        }
    }

    /// <summary>Entry names as the manifest spells them: '/' separated, no leading "./".</summary>
    public static string Normalize(string name)
    {
        name = name.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        return name.TrimEnd('/');
    }

    public static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Counts what is read after decompression and stops at the limit.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : ReadOnlyStream
    {
        private long _read;

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                throw new DockerArchiveException(
                    $"The container image is larger than {FormatBytes(limit)} when decompressed, the most this platform accepts. Make the image smaller.");
            }

            return read;
        }
    }

    /// <summary>Marks failures of the underlying storage so that they are never mistaken for a damaged upload.</summary>
    private sealed class GuardedSourceStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new DockerArchiveSourceException(e);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new DockerArchiveSourceException(e);
            }
        }
    }

    /// <summary>
    /// Gives back the bytes already read to sniff the format, then the rest of the stream. Its position counts the bytes
    /// read: SharpCompress's xz decoder asks for it to align blocks, even on streams that cannot seek.
    /// </summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;
        private long _position;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(Span<byte> buffer)
        {
            int n;
            if (_prefix.IsEmpty)
            {
                n = rest.Read(buffer);
            }
            else
            {
                n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
            }

            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_prefix.IsEmpty)
            {
                return Read(buffer.Span);
            }

            var n = await rest.ReadAsync(buffer, cancellationToken);
            _position += n;
            return n;
        }
    }
}

/// <summary>A forward-only readable stream; subclasses implement the two span-based reads.</summary>
public abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public abstract override int Read(Span<byte> buffer);

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using Microsoft.Win32.SafeHandles;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// The raw bytes of a volume, little endian, channels interleaved, x fastest then y, z, t.
/// Volumes can exceed the 2 GB limit of one .NET array, so the bytes live in chunks in memory
/// or, past <see cref="ImageReadOptions.InMemoryLimitBytes"/>, in a temporary file.
/// </summary>
public abstract class PixelBuffer : IDisposable
{
    public abstract long Length { get; }

    public abstract void Read(long offset, Span<byte> destination);

    public abstract void Write(long offset, ReadOnlySpan<byte> source);

    public static PixelBuffer Allocate(long length, ImageReadOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        options ??= ImageReadOptions.Default;
        return length <= options.InMemoryLimitBytes
            ? new MemoryPixelBuffer(length)
            : new FilePixelBuffer(length, options.TemporaryDirectory);
    }

    public static PixelBuffer FromArray(byte[] bytes)
    {
        var buffer = new MemoryPixelBuffer(bytes.LongLength);
        buffer.Write(0, bytes);
        return buffer;
    }

    /// <summary>Fills the buffer from <paramref name="source"/>; a stream that ends early is a truncated file.</summary>
    public void Fill(Stream source, string what)
    {
        var chunk = new byte[Math.Min(Length, 1 << 20)];
        long done = 0;
        while (done < Length)
        {
            var want = (int)Math.Min(chunk.Length, Length - done);
            var got = ReadFully(source, chunk.AsSpan(0, want));
            if (got < want)
            {
                throw new ImageFormatException(
                    $"{what} is truncated: expected {Length:N0} bytes of pixel data, found {done + got:N0}.");
            }

            Write(done, chunk.AsSpan(0, want));
            done += want;
        }
    }

    public void CopyTo(Stream destination)
    {
        var chunk = new byte[Math.Min(Length, 1 << 20)];
        for (long done = 0; done < Length;)
        {
            var n = (int)Math.Min(chunk.Length, Length - done);
            Read(done, chunk.AsSpan(0, n));
            destination.Write(chunk, 0, n);
            done += n;
        }
    }

    /// <summary>All bytes as one array, for small images (tests, thumbnails).</summary>
    public byte[] ToArray()
    {
        if (Length > Array.MaxLength)
        {
            throw new InvalidOperationException("The pixel data is too large for one array.");
        }

        var bytes = new byte[Length];
        Read(0, bytes);
        return bytes;
    }

    internal static int ReadFully(Stream source, Span<byte> destination)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var n = source.Read(destination[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

internal sealed class MemoryPixelBuffer : PixelBuffer
{
    private const int ChunkBits = 26; // 64 MiB
    private const int ChunkSize = 1 << ChunkBits;
    private readonly byte[][] _chunks;
    private readonly long _length;

    public MemoryPixelBuffer(long length)
    {
        _length = length;
        var count = (int)((length + ChunkSize - 1) >> ChunkBits);
        _chunks = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            _chunks[i] = new byte[Math.Min(ChunkSize, length - ((long)i << ChunkBits))];
        }
    }

    public override long Length => _length;

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        while (!destination.IsEmpty)
        {
            var chunk = _chunks[offset >> ChunkBits];
            var at = (int)(offset & (ChunkSize - 1));
            var n = Math.Min(destination.Length, chunk.Length - at);
            chunk.AsSpan(at, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
    }

    public override void Write(long offset, ReadOnlySpan<byte> source)
    {
        CheckRange(offset, source.Length);
        while (!source.IsEmpty)
        {
            var chunk = _chunks[offset >> ChunkBits];
            var at = (int)(offset & (ChunkSize - 1));
            var n = Math.Min(source.Length, chunk.Length - at);
            source[..n].CopyTo(chunk.AsSpan(at, n));
            source = source[n..];
            offset += n;
        }
    }

    private void CheckRange(long offset, int count)
    {
        if (offset < 0 || offset + count > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
    }
}

internal sealed class FilePixelBuffer : PixelBuffer
{
    private readonly SafeFileHandle _handle;
    private readonly long _length;

    public FilePixelBuffer(long length, string? directory)
    {
        var path = Path.Combine(directory ?? Path.GetTempPath(), $"gc-pixels-{Guid.NewGuid():N}.bin");
        _handle = File.OpenHandle(
            path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose, length);
        _length = length;
    }

    public override long Length => _length;

    public override void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset + destination.Length > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(_handle, destination, offset);
            if (n == 0)
            {
                // Preallocated but never written: sparse zeroes.
                destination.Clear();
                return;
            }

            destination = destination[n..];
            offset += n;
        }
    }

    public override void Write(long offset, ReadOnlySpan<byte> source)
    {
        if (offset < 0 || offset + source.Length > _length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        RandomAccess.Write(_handle, source, offset);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle.Dispose();
        }
    }
}

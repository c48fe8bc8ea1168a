using System.Security.Cryptography;
using GrandChallenge.Domain.Common.Storage;

namespace GrandChallenge.Domain.Uploads;

/// <summary>Raised while streaming when a body passes the bytes it may have; the message names the limit.</summary>
public sealed class UploadLimitExceededException(string message) : Exception(message);

/// <summary>Raised while assembling when a stored part is gone or no longer has its recorded size.</summary>
public sealed class UploadPartMissingException(string message) : Exception(message);

/// <summary>
/// Reads another stream through once, hashing what passes, keeping the first bytes for MIME sniffing, and
/// stopping with <see cref="UploadLimitExceededException"/> as soon as more than <c>limit</c> bytes arrive,
/// so an oversized body is refused while it streams, never after it was stored.
/// </summary>
public sealed class HashingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash;
    private readonly long _limit;
    private readonly Func<string> _limitMessage;
    private readonly byte[] _head = new byte[MimeSniffer.HeadLength];
    private int _headLength;

    public HashingReadStream(Stream inner, HashAlgorithmName algorithm, long limit, Func<string> limitMessage)
    {
        _inner = inner;
        _hash = IncrementalHash.CreateHash(algorithm);
        _limit = limit;
        _limitMessage = limitMessage;
    }

    public long BytesRead { get; private set; }

    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headLength);

    /// <summary>Lower-case hex digest of everything read; call once, at the end.</summary>
    public string HexDigest() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(Span<byte> buffer) => Account(buffer, _inner.Read(buffer));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        return Account(buffer.Span, read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Account(Span<byte> buffer, int read)
    {
        if (read <= 0)
        {
            return read;
        }

        BytesRead += read;
        if (BytesRead > _limit)
        {
            throw new UploadLimitExceededException(_limitMessage());
        }

        var data = buffer[..read];
        _hash.AppendData(data);
        if (_headLength < _head.Length)
        {
            var take = Math.Min(read, _head.Length - _headLength);
            data[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
        }

        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The parts of an upload read one after the other as one stream, each opened only when reached, each checked
/// against the size recorded when it was stored.
/// </summary>
public sealed class ConcatenatedPartsStream(IBlobStore blobs, IReadOnlyList<(int PartNumber, string Key, long Size)> parts) : Stream
{
    private int _index = -1;
    private Stream? _current;
    private long _readOfCurrent;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_current is null && !Advance())
            {
                return 0;
            }

            if (Accept(await _current!.ReadAsync(buffer, cancellationToken)) is > 0 and var read)
            {
                return read;
            }

            await _current.DisposeAsync();
            _current = null;
        }

        return 0;
    }

    public override int Read(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (_current is null && !Advance())
            {
                return 0;
            }

            if (Accept(_current!.Read(buffer)) is > 0 and var read)
            {
                return read;
            }

            _current.Dispose();
            _current = null;
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Counts what the current part gave; 0 means it ended, which must be exactly at its recorded size.</summary>
    private int Accept(int read)
    {
        _readOfCurrent += read;
        if (_readOfCurrent > parts[_index].Size || (read == 0 && _readOfCurrent != parts[_index].Size))
        {
            throw new UploadPartMissingException(
                $"Part {parts[_index].PartNumber} changed while the upload was being completed. Send it again, then complete the upload.");
        }

        return read;
    }

    private bool Advance()
    {
        if (++_index >= parts.Count)
        {
            return false;
        }

        _readOfCurrent = 0;
        try
        {
            _current = blobs.OpenRead(parts[_index].Key);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UploadPartMissingException($"Part {parts[_index].PartNumber} is no longer stored. Send it again, then complete the upload.");
        }

        return true;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
        }

        base.Dispose(disposing);
    }
}

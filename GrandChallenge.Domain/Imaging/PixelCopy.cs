using System.Buffers.Binary;

namespace GrandChallenge.Domain.Imaging;

/// <summary>Element types as they appear in files, a superset of <see cref="PixelType"/>.</summary>
internal enum StoredType
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    Float64,
    UInt64,
    Int64,
}

internal static class PixelCopy
{
    public static int ByteSize(this StoredType type) => type switch
    {
        StoredType.UInt64 or StoredType.Int64 => 8,
        _ => ((PixelType)type).ByteSize(),
    };

    /// <summary>Pixel type that holds the stored values unchanged; 64-bit integers are narrowed to Int32 (checked).</summary>
    public static PixelType Natural(this StoredType type) => type switch
    {
        StoredType.UInt64 or StoredType.Int64 => PixelType.Int32,
        _ => (PixelType)type,
    };

    /// <summary>
    /// Streams elements from <paramref name="source"/> into <paramref name="target"/>, swapping byte order,
    /// converting the type and applying <c>value * slope + intercept</c> as needed.
    /// </summary>
    public static void Copy(
        Stream source,
        PixelBuffer target,
        StoredType from,
        bool bigEndian,
        PixelType to,
        double slope,
        double intercept,
        string what)
    {
        var identity = slope == 1 && intercept == 0;
        if (identity && (int)from == (int)to && (!bigEndian || from.ByteSize() == 1))
        {
            target.Fill(source, what);
            return;
        }

        var inSize = from.ByteSize();
        var outSize = to.ByteSize();
        var count = target.Length / outSize;
        const int Batch = 1 << 16;
        var inBuf = new byte[Batch * inSize];
        var outBuf = new byte[Batch * outSize];
        for (long done = 0; done < count;)
        {
            var n = (int)Math.Min(Batch, count - done);
            var got = PixelBuffer.ReadFully(source, inBuf.AsSpan(0, n * inSize));
            if (got < n * inSize)
            {
                throw new ImageFormatException(
                    $"{what} is truncated: expected {count * inSize:N0} bytes of pixel data, found {(done * inSize) + got:N0}.");
            }

            if (bigEndian && inSize > 1)
            {
                Swap(inBuf.AsSpan(0, n * inSize), inSize);
            }

            for (var i = 0; i < n; i++)
            {
                var v = Read(from, inBuf.AsSpan(i * inSize, inSize));
                if (from is StoredType.Int64 or StoredType.UInt64 && (v < int.MinValue || v > int.MaxValue))
                {
                    throw new ImageFormatException(
                        $"{what} has 64-bit integer voxels outside the 32-bit range ({v}); such images are not supported.");
                }

                ImageVolume.Encode(to, identity ? v : (v * slope) + intercept, outBuf.AsSpan(i * outSize, outSize));
            }

            target.Write(done * outSize, outBuf.AsSpan(0, n * outSize));
            done += n;
        }
    }

    public static void Swap(Span<byte> data, int size)
    {
        switch (size)
        {
            case 2:
                for (var i = 0; i + 1 < data.Length; i += 2)
                {
                    (data[i], data[i + 1]) = (data[i + 1], data[i]);
                }

                break;
            default:
                for (var i = 0; i + size <= data.Length; i += size)
                {
                    data.Slice(i, size).Reverse();
                }

                break;
        }
    }

    private static double Read(StoredType type, ReadOnlySpan<byte> b) => type switch
    {
        StoredType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
        StoredType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
        _ => ImageVolume.Decode((PixelType)type, b),
    };
}

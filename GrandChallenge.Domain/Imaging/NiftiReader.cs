using System.Buffers.Binary;
using System.IO.Compression;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// Reads single-file NIfTI-1 (<c>n+1</c>) and NIfTI-2 (<c>n+2</c>) images, plain or gzipped, into ITK's
/// LPS geometry the way ITK's NiftiImageIO does: sform preferred over qform, x and y of origin and
/// direction negated, scl_slope/scl_inter applied, a fourth dimension read as timepoints.
/// </summary>
public static class NiftiReader
{
    private const int Nifti1HeaderSize = 348;
    private const int Nifti2HeaderSize = 540;
    private const long MaxDeflateRatio = 1100;

    public static ImageVolume Read(string path, ImageReadOptions? options = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, Path.GetFileName(path), options);
    }

    public static ImageVolume Read(Stream stream, string name, ImageReadOptions? options = null)
    {
        options ??= ImageReadOptions.Default;
        var fileName = Path.GetFileName(name);
        long? fileLength = stream.CanSeek ? stream.Length - stream.Position : null;

        var head = new byte[2];
        var peeked = PixelBuffer.ReadFully(stream, head);
        Stream source = new PrefixStream(head.AsSpan(0, peeked).ToArray(), stream);
        var gzipped = peeked == 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (gzipped)
        {
            source = new GZipStream(source, CompressionMode.Decompress);
        }

        try
        {
            return ReadUncompressed(source, fileName, gzipped, fileLength, options);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException($"{fileName}: the gzip data are corrupt ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new ImageFormatException($"{fileName}: the file could not be read ({e.Message}).", e);
        }
        finally
        {
            if (gzipped)
            {
                source.Dispose();
            }
        }
    }

    private static ImageVolume ReadUncompressed(Stream s, string fileName, bool gzipped, long? fileLength, ImageReadOptions options)
    {
        var header = new byte[Nifti2HeaderSize];
        var got = PixelBuffer.ReadFully(s, header.AsSpan(0, 4));
        if (got < 4)
        {
            throw new ImageFormatException($"{fileName} is not a NIfTI file: it is too short for a header.");
        }

        var le = BinaryPrimitives.ReadInt32LittleEndian(header);
        var be = BinaryPrimitives.ReadInt32BigEndian(header);
        var size = le is Nifti1HeaderSize or Nifti2HeaderSize ? le : be is Nifti1HeaderSize or Nifti2HeaderSize ? be : 0;
        if (size == 0)
        {
            throw new ImageFormatException($"{fileName} is not a NIfTI file: sizeof_hdr is neither 348 nor 540.");
        }

        var bigEndian = size != le;
        if (PixelBuffer.ReadFully(s, header.AsSpan(4, size - 4)) < size - 4)
        {
            throw new ImageFormatException($"{fileName} is truncated: the NIfTI header is incomplete.");
        }

        var h = new Header(header.AsSpan(0, size).ToArray(), bigEndian);
        var p = size == Nifti1HeaderSize ? ParseNifti1(h, fileName) : ParseNifti2(h, fileName);

        var dims = p.Dim;
        var nDims = (int)dims[0];
        if (nDims is < 1 or > 7)
        {
            throw new ImageFormatException($"{fileName}: dim[0] is {nDims}, not between 1 and 7.");
        }

        for (var i = 1; i <= nDims; i++)
        {
            if (dims[i] < 1 || dims[i] > int.MaxValue)
            {
                throw new ImageFormatException($"{fileName}: dim[{i}] is {dims[i]}, not a positive size.");
            }
        }

        for (var i = 5; i <= nDims; i++)
        {
            if (dims[i] != 1)
            {
                throw new ImageFormatException($"{fileName}: images with more than 4 dimensions are not supported.");
            }
        }

        var width = (int)dims[1];
        var height = nDims >= 2 ? (int)dims[2] : 1;
        var depth = nDims >= 3 ? (int)dims[3] : 1;
        var timepoints = nDims >= 4 ? (int)dims[4] : 1;
        var dimensions = timepoints > 1 ? 4 : depth > 1 || nDims >= 3 ? 3 : 2;

        var (stored, channels) = p.Datatype switch
        {
            2 => (StoredType.UInt8, 1),
            4 => (StoredType.Int16, 1),
            8 => (StoredType.Int32, 1),
            16 => (StoredType.Float32, 1),
            64 => (StoredType.Float64, 1),
            128 => (StoredType.UInt8, 3),
            256 => (StoredType.Int8, 1),
            512 => (StoredType.UInt16, 1),
            768 => (StoredType.UInt32, 1),
            1024 => (StoredType.Int64, 1),
            1280 => (StoredType.UInt64, 1),
            2304 => (StoredType.UInt8, 4),
            _ => throw new ImageFormatException($"{fileName}: NIfTI datatype {p.Datatype} ({DatatypeName(p.Datatype)}) is not supported."),
        };

        var slope = p.SclSlope;
        var inter = p.SclInter;
        var rescale = channels == 1 && slope != 0 && double.IsFinite(slope) && double.IsFinite(inter) && (slope != 1 || inter != 0);
        if (!rescale)
        {
            slope = 1;
            inter = 0;
        }

        var pixelType = rescale ? stored.Natural().RescaledType(slope, inter) : stored.Natural();
        long storedBytes, bytes;
        try
        {
            bytes = ImageVolume.ByteLengthOf(width, height, depth, timepoints, channels, pixelType);
            storedBytes = checked((long)width * height * depth * timepoints * channels * stored.ByteSize());
        }
        catch (OverflowException)
        {
            throw new ImageFormatException($"{fileName}: image size {width}×{height}×{depth}×{timepoints} is too large.");
        }

        if (bytes > options.MaxPixelBytes)
        {
            throw new ImageFormatException($"{fileName}: the image would need {bytes:N0} bytes, more than the {options.MaxPixelBytes:N0} allowed.");
        }

        if (p.VoxOffset < size || p.VoxOffset > int.MaxValue)
        {
            throw new ImageFormatException($"{fileName}: vox_offset {p.VoxOffset} is not a valid data offset.");
        }

        if (fileLength is { } length)
        {
            if (!gzipped && p.VoxOffset + storedBytes > length)
            {
                throw new ImageFormatException($"{fileName} is truncated: the header promises {storedBytes:N0} bytes of voxel data after offset {p.VoxOffset}, the file has {length:N0} bytes.");
            }

            if (gzipped && storedBytes > length * MaxDeflateRatio)
            {
                throw new ImageFormatException($"{fileName}: the header promises {storedBytes:N0} bytes of voxel data, more than {length:N0} gzipped bytes can hold.");
            }
        }

        var skip = p.VoxOffset - size;
        var scratch = new byte[4096];
        while (skip > 0)
        {
            var n = s.Read(scratch, 0, (int)Math.Min(scratch.Length, skip));
            if (n == 0)
            {
                throw new ImageFormatException($"{fileName} is truncated: it ends before vox_offset {p.VoxOffset}.");
            }

            skip -= n;
        }

        var (spacing, origin, direction) = Geometry(p, fileName);
        var pixels = PixelBuffer.Allocate(bytes, options);
        try
        {
            PixelCopy.Copy(s, pixels, stored, bigEndian, pixelType, slope, inter, fileName);
            return new ImageVolume(
                dimensions, width, height, dimensions == 2 ? 1 : depth, timepoints, channels, pixelType,
                MetaImageReader.ColorSpaceFor(channels), pixels)
            {
                Spacing = [spacing[0], spacing[1], dimensions == 2 ? 1 : spacing[2]],
                Origin = origin,
                Direction = direction,
                TimeSpacing = p.Pixdim[4] > 0 && double.IsFinite(p.Pixdim[4]) ? p.Pixdim[4] : 1,
                TimeOrigin = double.IsFinite(p.TOffset) ? p.TOffset : 0,
            };
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    private static (double[] Spacing, double[] Origin, double[] Direction) Geometry(Parsed p, string fileName)
    {
        var spacing = new double[3];
        for (var i = 0; i < 3; i++)
        {
            var d = Math.Abs(p.Pixdim[i + 1]);
            spacing[i] = d > 0 && double.IsFinite(d) ? d : 1;
        }

        double[] direction;
        double[] origin;
        if (p.SformCode > 0 && SformDirection(p.Srow) is { } sform)
        {
            direction = sform;
            origin = [p.Srow[0][3], p.Srow[1][3], p.Srow[2][3]];
        }
        else if (p.QformCode > 0)
        {
            direction = QuaternionDirection(p.QuaternB, p.QuaternC, p.QuaternD, p.Pixdim[0]);
            origin = [p.QOffset[0], p.QOffset[1], p.QOffset[2]];
        }
        else
        {
            // No transform (ANALYZE style): ITK treats the voxel axes as RAS.
            direction = [1, 0, 0, 0, 1, 0, 0, 0, 1];
            origin = [0, 0, 0];
        }

        if (origin.Any(o => !double.IsFinite(o)) || direction.Any(d => !double.IsFinite(d)))
        {
            throw new ImageFormatException($"{fileName}: the NIfTI transform contains values that are not numbers.");
        }

        // NIfTI is RAS, ITK is LPS: negate the x and y rows.
        for (var col = 0; col < 3; col++)
        {
            direction[col] = -direction[col];
            direction[3 + col] = -direction[3 + col];
        }

        origin[0] = -origin[0];
        origin[1] = -origin[1];
        return (spacing, origin, direction);
    }

    private static double[]? SformDirection(double[][] srow)
    {
        var direction = new double[9];
        for (var col = 0; col < 3; col++)
        {
            var norm = Math.Sqrt((srow[0][col] * srow[0][col]) + (srow[1][col] * srow[1][col]) + (srow[2][col] * srow[2][col]));
            if (!(norm > 0) || !double.IsFinite(norm))
            {
                return null;
            }

            for (var row = 0; row < 3; row++)
            {
                direction[(row * 3) + col] = srow[row][col] / norm;
            }
        }

        return direction;
    }

    internal static double[] QuaternionDirection(double b, double c, double d, double qfac)
    {
        var a = 1 - ((b * b) + (c * c) + (d * d));
        if (a < 1e-7)
        {
            // Special case from nifti1_io: a 180° rotation; normalise (b, c, d).
            var n = Math.Sqrt((b * b) + (c * c) + (d * d));
            b /= n;
            c /= n;
            d /= n;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }

        var sign = qfac < 0 ? -1 : 1;
        return
        [
            (a * a) + (b * b) - (c * c) - (d * d), 2 * ((b * c) - (a * d)), 2 * ((b * d) + (a * c)) * sign,
            2 * ((b * c) + (a * d)), (a * a) + (c * c) - (b * b) - (d * d), 2 * ((c * d) - (a * b)) * sign,
            2 * ((b * d) - (a * c)), 2 * ((c * d) + (a * b)), ((a * a) + (d * d) - (c * c) - (b * b)) * sign,
        ];
    }

    private sealed record Parsed(
        long[] Dim,
        int Datatype,
        double[] Pixdim,
        long VoxOffset,
        double SclSlope,
        double SclInter,
        double TOffset,
        int QformCode,
        int SformCode,
        double QuaternB,
        double QuaternC,
        double QuaternD,
        double[] QOffset,
        double[][] Srow);

    private static Parsed ParseNifti1(Header h, string fileName)
    {
        var magic = h.Bytes.AsSpan(344, 4);
        if (magic.SequenceEqual("ni1\0"u8))
        {
            throw new ImageFormatException($"{fileName}: NIfTI header/image pairs (.hdr/.img) are not supported; use a single .nii file.");
        }

        if (!magic.SequenceEqual("n+1\0"u8))
        {
            throw new ImageFormatException($"{fileName} is not a NIfTI-1 file: the magic \"n+1\" is missing.");
        }

        return new Parsed(
            Enumerable.Range(0, 8).Select(i => (long)h.I16(40 + (2 * i))).ToArray(),
            h.I16(70),
            Enumerable.Range(0, 8).Select(i => (double)h.F32(76 + (4 * i))).ToArray(),
            (long)h.F32(108),
            h.F32(112),
            h.F32(116),
            h.F32(136),
            h.I16(252),
            h.I16(254),
            h.F32(256),
            h.F32(260),
            h.F32(264),
            [h.F32(268), h.F32(272), h.F32(276)],
            Enumerable.Range(0, 3).Select(r => Enumerable.Range(0, 4).Select(c => (double)h.F32(280 + (16 * r) + (4 * c))).ToArray()).ToArray());
    }

    private static Parsed ParseNifti2(Header h, string fileName)
    {
        if (!h.Bytes.AsSpan(4, 8).SequenceEqual("n+2\0\r\n\x1a\n"u8))
        {
            throw new ImageFormatException($"{fileName} is not a NIfTI-2 file: the magic \"n+2\" is missing or is a header/image pair.");
        }

        return new Parsed(
            Enumerable.Range(0, 8).Select(i => h.I64(16 + (8 * i))).ToArray(),
            h.I16(12),
            Enumerable.Range(0, 8).Select(i => h.F64(104 + (8 * i))).ToArray(),
            h.I64(168),
            h.F64(176),
            h.F64(184),
            h.F64(216),
            h.I32(344),
            h.I32(348),
            h.F64(352),
            h.F64(360),
            h.F64(368),
            [h.F64(376), h.F64(384), h.F64(392)],
            Enumerable.Range(0, 3).Select(r => Enumerable.Range(0, 4).Select(c => h.F64(400 + (32 * r) + (8 * c))).ToArray()).ToArray());
    }

    private static string DatatypeName(int code) => code switch
    {
        1 => "binary",
        32 => "complex64",
        1536 => "float128",
        1792 => "complex128",
        2048 => "complex256",
        _ => "unknown",
    };

    private sealed record Header(byte[] Bytes, bool BigEndian)
    {
        public short I16(int at) => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(Bytes.AsSpan(at)) : BinaryPrimitives.ReadInt16LittleEndian(Bytes.AsSpan(at));

        public int I32(int at) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(Bytes.AsSpan(at)) : BinaryPrimitives.ReadInt32LittleEndian(Bytes.AsSpan(at));

        public long I64(int at) => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(Bytes.AsSpan(at)) : BinaryPrimitives.ReadInt64LittleEndian(Bytes.AsSpan(at));

        public float F32(int at) => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(Bytes.AsSpan(at)) : BinaryPrimitives.ReadSingleLittleEndian(Bytes.AsSpan(at));

        public double F64(int at) => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(Bytes.AsSpan(at)) : BinaryPrimitives.ReadDoubleLittleEndian(Bytes.AsSpan(at));
    }
}

/// <summary>Replays bytes already read for sniffing, then continues with the underlying stream.</summary>
internal sealed class PrefixStream(byte[] prefix, Stream inner) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefix.Length)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        return inner.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

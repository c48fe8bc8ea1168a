using System.Buffers.Binary;
using System.IO.Compression;
using GrandChallenge.Domain.Imaging;

namespace GrandChallenge.Tests.Domain.Imaging;

/// <summary>Builds small images and files in code so no binary test data is committed.</summary>
internal static class TestImages
{
    public static ImageVolume Ramp(
        int dimensions, int width, int height, int depth = 1, int timepoints = 1, int channels = 1, PixelType type = PixelType.Int16)
    {
        var colorSpace = channels switch { 3 => ColorSpace.Rgb, 4 => ColorSpace.Rgba, _ => ColorSpace.Gray };
        var volume = ImageVolume.Allocate(dimensions, width, height, depth, timepoints, channels, type, colorSpace);
        for (long i = 0; i < volume.ElementCount; i++)
        {
            var value = type switch
            {
                PixelType.UInt8 => i % 251,
                PixelType.Int8 => (i % 200) - 100,
                PixelType.Float32 or PixelType.Float64 => (i * 0.5) - 7.25,
                _ => (i * 7) - 300,
            };
            if (type is PixelType.UInt16 or PixelType.UInt32)
            {
                value = Math.Abs(value);
            }

            volume.SetElement(i, value);
        }

        return volume;
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "gc-imaging-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static byte[] Zlib(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Fastest))
        {
            z.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest))
        {
            z.Write(data);
        }

        return ms.ToArray();
    }
}

/// <summary>A minimal NIfTI writer for tests: one header, no extensions, the given voxel bytes.</summary>
internal sealed class NiftiBuilder
{
    public int Version { get; init; } = 1;

    public bool BigEndian { get; init; }

    public long[] Dim { get; init; } = [3, 4, 3, 2, 1, 1, 1, 1];

    public short Datatype { get; init; } = 4;

    public short Bitpix { get; init; } = 16;

    public double[] Pixdim { get; init; } = [1, 1, 1, 1, 1, 0, 0, 0];

    public double SclSlope { get; init; }

    public double SclInter { get; init; }

    public int QformCode { get; init; }

    public int SformCode { get; init; }

    public double[] Quatern { get; init; } = [0, 0, 0];

    public double[] QOffset { get; init; } = [0, 0, 0];

    public double[][] Srow { get; init; } = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];

    public byte[] Build(byte[] voxels)
    {
        var size = Version == 1 ? 348 : 540;
        var offset = Version == 1 ? 352 : 544;
        var bytes = new byte[offset + voxels.Length];
        Span<byte> S(int at) => bytes.AsSpan(at);
        void I16(int at, long v)
        {
            if (BigEndian) { BinaryPrimitives.WriteInt16BigEndian(S(at), (short)v); }
            else { BinaryPrimitives.WriteInt16LittleEndian(S(at), (short)v); }
        }

        void I32(int at, long v)
        {
            if (BigEndian) { BinaryPrimitives.WriteInt32BigEndian(S(at), (int)v); }
            else { BinaryPrimitives.WriteInt32LittleEndian(S(at), (int)v); }
        }

        void I64(int at, long v)
        {
            if (BigEndian) { BinaryPrimitives.WriteInt64BigEndian(S(at), v); }
            else { BinaryPrimitives.WriteInt64LittleEndian(S(at), v); }
        }

        void F32(int at, double v)
        {
            if (BigEndian) { BinaryPrimitives.WriteSingleBigEndian(S(at), (float)v); }
            else { BinaryPrimitives.WriteSingleLittleEndian(S(at), (float)v); }
        }

        void F64(int at, double v)
        {
            if (BigEndian) { BinaryPrimitives.WriteDoubleBigEndian(S(at), v); }
            else { BinaryPrimitives.WriteDoubleLittleEndian(S(at), v); }
        }

        I32(0, size);
        if (Version == 1)
        {
            for (var i = 0; i < 8; i++)
            {
                I16(40 + (2 * i), Dim[i]);
                F32(76 + (4 * i), Pixdim[i]);
            }

            I16(70, Datatype);
            I16(72, Bitpix);
            F32(108, offset);
            F32(112, SclSlope);
            F32(116, SclInter);
            I16(252, QformCode);
            I16(254, SformCode);
            for (var i = 0; i < 3; i++)
            {
                F32(256 + (4 * i), Quatern[i]);
                F32(268 + (4 * i), QOffset[i]);
                for (var c = 0; c < 4; c++)
                {
                    F32(280 + (16 * i) + (4 * c), Srow[i][c]);
                }
            }

            "n+1\0"u8.CopyTo(S(344));
        }
        else
        {
            "n+2\0\r\n\x1a\n"u8.CopyTo(S(4));
            I16(12, Datatype);
            I16(14, Bitpix);
            for (var i = 0; i < 8; i++)
            {
                I64(16 + (8 * i), Dim[i]);
                F64(104 + (8 * i), Pixdim[i]);
            }

            I64(168, offset);
            F64(176, SclSlope);
            F64(184, SclInter);
            I32(344, QformCode);
            I32(348, SformCode);
            for (var i = 0; i < 3; i++)
            {
                F64(352 + (8 * i), Quatern[i]);
                F64(376 + (8 * i), QOffset[i]);
                for (var c = 0; c < 4; c++)
                {
                    F64(400 + (32 * i) + (8 * c), Srow[i][c]);
                }
            }
        }

        voxels.CopyTo(S(offset));
        return bytes;
    }
}

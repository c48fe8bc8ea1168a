using System.Buffers.Binary;
using SkiaSharp;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// Reads PNG and JPEG files (through SkiaSharp) into 2-D volumes: GRAY, RGB or RGBA, 8-bit per channel,
/// 16-bit for 16-bit grayscale PNGs. They carry no physical spacing, so <see cref="ImageVolume.SpacingValid"/> is false.
/// </summary>
public static class RasterImageReader
{
    /// <summary>Refuse images with more pixels than this (decompression bombs).</summary>
    public const long MaxPixels = 1L << 30;

    public static ImageVolume Read(string path, ImageReadOptions? options = null)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, Path.GetFileName(path), options);
    }

    public static ImageVolume Read(Stream stream, string name, ImageReadOptions? options = null)
    {
        var fileName = Path.GetFileName(name);
        using var data = SKData.Create(stream);
        if (data is null || data.Size == 0)
        {
            throw new ImageFormatException($"{fileName} is empty.");
        }

        using var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
        if (codec is null)
        {
            throw new ImageFormatException($"{fileName} is not a valid PNG or JPEG image ({Describe(result)}).");
        }

        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            throw new ImageFormatException($"{fileName} is a {codec.EncodedFormat} image; only PNG and JPEG are read here.");
        }

        var info = codec.Info;
        if (info.Width < 1 || info.Height < 1 || (long)info.Width * info.Height > MaxPixels)
        {
            throw new ImageFormatException($"{fileName}: image size {info.Width}×{info.Height} is not supported.");
        }

        var gray = info.ColorType == SKColorType.Gray8;
        var alpha = !gray && info.AlphaType != SKAlphaType.Opaque;
        if (gray && IsSixteenBitGrayPng(data.AsSpan()))
        {
            return Decode16BitGray(data.AsSpan(), info.Width, info.Height, fileName, options);
        }

        var channels = gray ? 1 : alpha ? 4 : 3;
        var target = new SKImageInfo(info.Width, info.Height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var rgba = new byte[target.BytesSize64];
        var decoded = codec.GetPixels(target, rgba);
        if (decoded is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            throw new ImageFormatException($"{fileName} could not be decoded ({Describe(decoded)}).");
        }

        if (decoded == SKCodecResult.IncompleteInput)
        {
            throw new ImageFormatException($"{fileName} is truncated: the image data end early.");
        }

        var pixels = PixelBuffer.Allocate((long)info.Width * info.Height * channels, options);
        if (channels == 3)
        {
            var row = new byte[info.Width * 3];
            for (var y = 0; y < info.Height; y++)
            {
                var src = rgba.AsSpan(y * target.RowBytes, info.Width * 4);
                for (var x = 0; x < info.Width; x++)
                {
                    row[x * 3] = src[x * 4];
                    row[(x * 3) + 1] = src[(x * 4) + 1];
                    row[(x * 3) + 2] = src[(x * 4) + 2];
                }

                pixels.Write((long)y * row.Length, row);
            }
        }
        else
        {
            for (var y = 0; y < info.Height; y++)
            {
                var rowBytes = info.Width * channels;
                pixels.Write((long)y * rowBytes, rgba.AsSpan(y * target.RowBytes, rowBytes));
            }
        }

        return new ImageVolume(2, info.Width, info.Height, 1, 1, channels, PixelType.UInt8, MetaImageReader.ColorSpaceFor(channels), pixels)
        {
            SpacingValid = false,
        };
    }

    /// <summary>
    /// Skia only decodes 16-bit PNGs to 8 bits or half floats, which would lose precision of e.g. X-ray
    /// data, so 16-bit grayscale PNGs (non-interlaced) are inflated and unfiltered here.
    /// </summary>
    private static ImageVolume Decode16BitGray(ReadOnlySpan<byte> file, int width, int height, string fileName, ImageReadOptions? options)
    {
        if (file[28] != 0)
        {
            throw new ImageFormatException($"{fileName}: interlaced 16-bit PNGs are not supported.");
        }

        using var idat = new MemoryStream();
        for (var at = 8; at + 12 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file[at..]);
            if (length < 0 || at + 12L + length > file.Length)
            {
                throw new ImageFormatException($"{fileName} is truncated: a PNG chunk runs past the end of the file.");
            }

            var type = file.Slice(at + 4, 4);
            if (type.SequenceEqual("IDAT"u8))
            {
                idat.Write(file.Slice(at + 8, length));
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                break;
            }

            at += 12 + length;
        }

        var stride = width * 2;
        var pixels = PixelBuffer.Allocate((long)stride * height, options);
        try
        {
            idat.Position = 0;
            using var z = new System.IO.Compression.ZLibStream(idat, System.IO.Compression.CompressionMode.Decompress);
            var previous = new byte[stride];
            var current = new byte[stride + 1];
            var row = new byte[stride];
            for (var y = 0; y < height; y++)
            {
                if (PixelBuffer.ReadFully(z, current) < current.Length)
                {
                    throw new ImageFormatException($"{fileName} is truncated: the image data end early.");
                }

                Unfilter(current[0], current.AsSpan(1), previous, 2, fileName);
                for (var x = 0; x < width; x++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(x * 2), BinaryPrimitives.ReadUInt16BigEndian(current.AsSpan(1 + (x * 2))));
                }

                pixels.Write((long)y * stride, row);
                current.AsSpan(1).CopyTo(previous);
            }

            return new ImageVolume(2, width, height, 1, 1, 1, PixelType.UInt16, ColorSpace.Gray, pixels) { SpacingValid = false };
        }
        catch (InvalidDataException e)
        {
            pixels.Dispose();
            throw new ImageFormatException($"{fileName}: the PNG image data are corrupt ({e.Message}).", e);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    private static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> previous, int bpp, string fileName)
    {
        for (var i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0;
            int b = previous[i];
            int c = i >= bpp ? previous[i - bpp] : 0;
            line[i] = filter switch
            {
                0 => line[i],
                1 => (byte)(line[i] + a),
                2 => (byte)(line[i] + b),
                3 => (byte)(line[i] + ((a + b) >> 1)),
                4 => (byte)(line[i] + Paeth(a, b, c)),
                _ => throw new ImageFormatException($"{fileName}: PNG row filter {filter} is not valid."),
            };
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static bool IsSixteenBitGrayPng(ReadOnlySpan<byte> file) =>
        file.Length > 28 && file[..8].SequenceEqual(ImageFormatDetector.PngSignature) && file.Slice(12, 4).SequenceEqual("IHDR"u8)
        && file[24] == 16 && file[25] == 0;

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the data are truncated or corrupt",
        SKCodecResult.InvalidInput or SKCodecResult.Unimplemented => "the format is not recognised",
        _ => result.ToString(),
    };
}

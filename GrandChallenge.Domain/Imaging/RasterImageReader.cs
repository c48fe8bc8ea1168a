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
            return Decode16BitGray(codec, info, fileName, options);
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

    private static ImageVolume Decode16BitGray(SKCodec codec, SKImageInfo info, string fileName, ImageReadOptions? options)
    {
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba16161616, SKAlphaType.Unpremul);
        var wide = new byte[target.BytesSize64];
        var decoded = codec.GetPixels(target, wide);
        if (decoded != SKCodecResult.Success)
        {
            throw new ImageFormatException(decoded == SKCodecResult.IncompleteInput
                ? $"{fileName} is truncated: the image data end early."
                : $"{fileName} could not be decoded ({Describe(decoded)}).");
        }

        var pixels = PixelBuffer.Allocate((long)info.Width * info.Height * 2, options);
        var row = new byte[info.Width * 2];
        for (var y = 0; y < info.Height; y++)
        {
            var src = wide.AsSpan(y * target.RowBytes, info.Width * 8);
            for (var x = 0; x < info.Width; x++)
            {
                // Skia's 16161616 layout is native (little) endian; R holds the gray value.
                BinaryPrimitives.WriteUInt16LittleEndian(row.AsSpan(x * 2), BinaryPrimitives.ReadUInt16LittleEndian(src[(x * 8)..]));
            }

            pixels.Write((long)y * row.Length, row);
        }

        return new ImageVolume(2, info.Width, info.Height, 1, 1, 1, PixelType.UInt16, ColorSpace.Gray, pixels) { SpacingValid = false };
    }

    private static bool IsSixteenBitGrayPng(ReadOnlySpan<byte> file) =>
        file.Length > 26 && file[..8].SequenceEqual(ImageFormatDetector.PngSignature) && file.Slice(12, 4).SequenceEqual("IHDR"u8)
        && file[24] == 16 && file[25] == 0;

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput => "the data are truncated or corrupt",
        SKCodecResult.InvalidInput or SKCodecResult.Unimplemented => "the format is not recognised",
        _ => result.ToString(),
    };
}

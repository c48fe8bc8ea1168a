using System.Buffers.Binary;
using System.Security.Cryptography;
using SkiaSharp;

namespace GrandChallenge.Domain.Imaging.Rendering;

/// <summary>A rendered PNG with its size and a strong ETag (a hash of the bytes, so equal pictures share it).</summary>
public sealed record RenderedSlice(byte[] Png, int Width, int Height, string ETag)
{
    public static RenderedSlice From(byte[] png, int width, int height) =>
        new(png, width, height, $"\"{Convert.ToHexStringLower(SHA256.HashData(png).AsSpan(0, 16))}\"");
}

/// <summary>
/// Renders one slice of an image to a PNG: grey 8-bit for one channel, RGB for three or four (alpha is dropped).
/// Values map linearly from [center − width/2, center + width/2] to [0, 255], clamped. Without a window in the request
/// the image's stored window is used; without that, 8-bit colour images show their values as they are and anything
/// else is stretched from the slice's minimum (black) to its maximum (white); a constant slice is black.
/// </summary>
public static class SliceRenderer
{
    public const int ThumbnailSize = 256;

    // Fast filters and light compression: a 512×512 slice encodes in a few milliseconds and is still about half raw size.
    private static readonly SKPngEncoderOptions PngOptions = new(SKPngEncoderFilterFlags.Sub, 1);

    public static RenderedSlice Render(ImageVolume volume, SliceRequest request)
    {
        using var source = new VolumeSliceSource(volume);
        return Render(source, request);
    }

    public static RenderedSlice Render(ISliceSource source, SliceRequest request)
    {
        request.Validated();
        var plane = source.ReadSlice(request.Axis, request.Index, request.Timepoint, request.MaxSize);
        var info = source.Info;
        return Render(plane, request.WindowCenter ?? info.WindowCenter, request.WindowWidth ?? info.WindowWidth, request.MaxSize);
    }

    /// <summary>The middle z slice (first timepoint) shrunk to fit <see cref="ThumbnailSize"/>², default window.</summary>
    public static RenderedSlice RenderThumbnail(ISliceSource source) =>
        Render(source, ThumbnailRequest(source.Info));

    public static SliceRequest ThumbnailRequest(SliceSourceInfo info) =>
        new(SliceAxis.Z, info.Depth / 2, 0, null, null, ThumbnailSize);

    /// <summary>Maps <paramref name="plane"/> through the window, shrinks it to <paramref name="maxSize"/> and encodes it.</summary>
    public static RenderedSlice Render(SlicePlane plane, double? windowCenter, double? windowWidth, int? maxSize)
    {
        var colour = plane.Channels >= 3;
        var (low, high) = Window(plane, windowCenter, windowWidth, colour);
        var count = plane.Width * plane.Height;
        var outChannels = colour ? 4 : 1;
        var pixels = new byte[count * outChannels];
        Map(plane, low, high, pixels, colour);

        var info = new SKImageInfo(plane.Width, plane.Height, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(pixels, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            using var pixmap = new SKPixmap(info, handle.AddrOfPinnedObject(), info.RowBytes);
            if (maxSize is { } max && (plane.Width > max || plane.Height > max))
            {
                var scale = (double)max / Math.Max(plane.Width, plane.Height);
                var target = info.WithSize(
                    Math.Clamp((int)Math.Round(plane.Width * scale), 1, max),
                    Math.Clamp((int)Math.Round(plane.Height * scale), 1, max));
                using var smaller = new SKBitmap(target);
                using var smallerPixmap = smaller.PeekPixels();
                if (!pixmap.ScalePixels(smallerPixmap, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)))
                {
                    throw new InvalidOperationException("The slice could not be scaled.");
                }

                return Encode(smallerPixmap);
            }

            return Encode(pixmap);
        }
        finally
        {
            handle.Free();
        }
    }

    private static RenderedSlice Encode(SKPixmap pixmap)
    {
        using var data = pixmap.Encode(PngOptions) ?? throw new InvalidOperationException("The slice could not be encoded as PNG.");
        return RenderedSlice.From(data.ToArray(), pixmap.Width, pixmap.Height);
    }

    private static (double Low, double High) Window(SlicePlane plane, double? center, double? width, bool colour)
    {
        if (center is { } c && width is { } w && w > 0)
        {
            return (c - (w / 2), c + (w / 2));
        }

        if (colour && plane.PixelType == PixelType.UInt8 && center is null && width is null)
        {
            return (0, 255);
        }

        var (min, max) = MinMax(plane);
        if (center is null && width is null)
        {
            return (min, max > min ? max : min + 1);
        }

        // Only one of the two given: the other comes from the slice's range.
        var half = width is { } ww && ww > 0 ? ww / 2 : Math.Max((max - min) / 2, 0.5);
        var mid = center ?? ((min + max) / 2);
        return (mid - half, mid + half);
    }

    private static (double Min, double Max) MinMax(SlicePlane plane)
    {
        var size = plane.PixelType.ByteSize();
        var data = plane.Data.AsSpan();
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        switch (plane.PixelType)
        {
            case PixelType.UInt8:
                foreach (var v in data)
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }

                break;
            case PixelType.Int16:
                {
                    int lo = short.MaxValue, hi = short.MinValue;
                    for (var i = 0; i < data.Length; i += 2)
                    {
                        int v = BinaryPrimitives.ReadInt16LittleEndian(data[i..]);
                        lo = Math.Min(lo, v);
                        hi = Math.Max(hi, v);
                    }

                    (min, max) = (lo, hi);
                    break;
                }

            default:
                for (var i = 0; i < data.Length; i += size)
                {
                    var v = ImageVolume.Decode(plane.PixelType, data.Slice(i, size));
                    if (double.IsFinite(v))
                    {
                        min = Math.Min(min, v);
                        max = Math.Max(max, v);
                    }
                }

                break;
        }

        return double.IsFinite(min) ? (min, max) : (0, 1);
    }

    private static byte Level(double v, double low, double range)
    {
        var x = (v - low) * 255 / range;
        return x <= 0 || double.IsNaN(x) ? (byte)0 : x >= 255 ? (byte)255 : (byte)Math.Round(x, MidpointRounding.AwayFromZero);
    }

    private static void Map(SlicePlane plane, double low, double high, byte[] output, bool colour)
    {
        var range = high - low;
        var size = plane.PixelType.ByteSize();
        var data = plane.Data.AsSpan();
        var channels = plane.Channels;
        var count = plane.Width * plane.Height;

        // 8- and 16-bit values go through a lookup table: one division per possible value, not per pixel.
        byte[]? table = null;
        if (size <= 2 && plane.PixelType.IsInteger())
        {
            var (min, _) = plane.PixelType.Range();
            table = new byte[1 << (8 * size)];
            for (var i = 0; i < table.Length; i++)
            {
                table[i] = Level(min + i, low, range);
            }
        }

        byte Value(ReadOnlySpan<byte> element) => plane.PixelType switch
        {
            PixelType.UInt8 => table![element[0]],
            PixelType.Int8 => table![(sbyte)element[0] + 128],
            PixelType.UInt16 => table![BinaryPrimitives.ReadUInt16LittleEndian(element)],
            PixelType.Int16 => table![BinaryPrimitives.ReadInt16LittleEndian(element) + 32768],
            _ => Level(ImageVolume.Decode(plane.PixelType, element), low, range),
        };

        if (!colour)
        {
            if (plane.PixelType == PixelType.Int16)
            {
                for (var i = 0; i < count; i++)
                {
                    output[i] = table![BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]) + 32768];
                }

                return;
            }

            for (var i = 0; i < count; i++)
            {
                output[i] = Value(data.Slice(i * size * channels, size));
            }

            return;
        }

        for (var i = 0; i < count; i++)
        {
            var at = i * size * channels;
            output[(i * 4) + 0] = Value(data.Slice(at, size));
            output[(i * 4) + 1] = Value(data.Slice(at + size, size));
            output[(i * 4) + 2] = Value(data.Slice(at + (2 * size), size));
            output[(i * 4) + 3] = 255;
        }
    }
}

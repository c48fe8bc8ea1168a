using System.Buffers.Binary;
using SkiaSharp;

namespace GrandChallenge.Tests.Domain.Imaging.Rendering;

/// <summary>Reads back a rendered PNG: its IHDR colour type and its pixels.</summary>
internal sealed class Png
{
    private Png(int width, int height, int colorType, SKColor[] pixels)
    {
        Width = width;
        Height = height;
        ColorType = colorType;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>0 grey, 2 RGB, 6 RGBA (PNG's IHDR colour type).</summary>
    public int ColorType { get; }

    public SKColor[] Pixels { get; }

    public static Png Read(byte[] png)
    {
        png.AsSpan(0, 8).ToArray().Should().Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16));
        var height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        png[24].Should().Be(8, "the PNG has 8 bits per sample");
        using var bitmap = SKBitmap.Decode(png, new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Should().NotBeNull();
        return new Png(width, height, png[25], bitmap.Pixels);
    }

    public SKColor this[int x, int y] => Pixels[(y * Width) + x];

    /// <summary>The grey level at (x, y), checking the pixel really is grey.</summary>
    public byte Grey(int x, int y)
    {
        var c = this[x, y];
        c.Green.Should().Be(c.Red);
        c.Blue.Should().Be(c.Red);
        return c.Red;
    }

    public byte[,] Greys()
    {
        var result = new byte[Height, Width];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                result[y, x] = Grey(x, y);
            }
        }

        return result;
    }
}

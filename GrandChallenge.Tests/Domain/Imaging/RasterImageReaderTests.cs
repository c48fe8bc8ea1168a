using System.Buffers.Binary;
using GrandChallenge.Domain.Imaging;
using SkiaSharp;

namespace GrandChallenge.Tests.Domain.Imaging;

[Trait("Category", "Unit")]
public sealed class RasterImageReaderTests
{
    private static byte[] Encode(SKColorType colorType, SKAlphaType alpha, SKEncodedImageFormat format, Action<SKBitmap> paint)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(5, 3, colorType, alpha));
        paint(bitmap);
        using var data = bitmap.Encode(format, 100);
        return data.ToArray();
    }

    /// <summary>A PNG written by hand, for bit depths SkiaSharp does not encode.</summary>
    internal static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] rawRows)
    {
        using var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        void Chunk(string type, byte[] data)
        {
            var buf = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(buf, data.Length);
            ms.Write(buf);
            var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            ms.Write(body);
            BinaryPrimitives.WriteUInt32BigEndian(buf, Crc32(body));
            ms.Write(buf);
        }

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        Chunk("IHDR", ihdr);
        Chunk("IDAT", TestImages.Zlib(rawRows));
        Chunk("IEND", []);
        return ms.ToArray();
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static ImageVolume Read(byte[] file, string name = "x.png") => RasterImageReader.Read(new MemoryStream(file), name);

    [Fact]
    public void Gray_png_is_one_channel_uint8_without_valid_spacing()
    {
        var png = Encode(SKColorType.Gray8, SKAlphaType.Opaque, SKEncodedImageFormat.Png, b =>
        {
            for (var y = 0; y < 3; y++)
            {
                for (var x = 0; x < 5; x++)
                {
                    b.SetPixel(x, y, new SKColor((byte)(x * 50), (byte)(x * 50), (byte)(x * 50)));
                }
            }
        });

        using var image = Read(png);

        image.Dimensions.Should().Be(2);
        (image.Width, image.Height, image.Channels).Should().Be((5, 3, 1));
        image.ColorSpace.Should().Be(ColorSpace.Gray);
        image.GetValue(4, 2).Should().Be(200);
        image.SpacingValid.Should().BeFalse();
        var meta = ImageMetadata.From(image, "x.png");
        meta.VoxelWidthMm.Should().BeNull();
        meta.Shape.Should().Equal(3, 5);
    }

    [Fact]
    public void Rgb_png_is_three_channels()
    {
        var png = Encode(SKColorType.Rgba8888, SKAlphaType.Opaque, SKEncodedImageFormat.Png, b => b.Erase(new SKColor(10, 20, 30)));

        using var image = Read(png);

        image.ColorSpace.Should().Be(ColorSpace.Rgb);
        image.Pixels.ToArray().Take(6).Should().Equal(10, 20, 30, 10, 20, 30);
        ImageMetadata.From(image, "x").Shape.Should().Equal(3, 5, 3);
    }

    [Fact]
    public void Png_with_alpha_is_rgba()
    {
        var png = Encode(SKColorType.Rgba8888, SKAlphaType.Unpremul, SKEncodedImageFormat.Png, b => b.Erase(new SKColor(10, 20, 30, 128)));

        using var image = Read(png);

        image.ColorSpace.Should().Be(ColorSpace.Rgba);
        image.Pixels.ToArray().Take(4).Should().Equal(10, 20, 30, 128);
    }

    [Fact]
    public void Sixteen_bit_gray_png_keeps_its_precision()
    {
        var rows = new byte[2 * (1 + (3 * 2))];
        ushort[] values = [0, 1000, 65535, 12345, 2, 40000];
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(rows.AsSpan((y * 7) + 1 + (x * 2)), values[(y * 3) + x]);
            }
        }

        // Second row with the Sub filter: each sample stored as the difference to its left neighbour.
        rows[7] = 1;
        var second = rows.AsSpan(8, 6).ToArray();
        for (var i = 2; i < 6; i++)
        {
            rows[8 + i] = (byte)(second[i] - second[i - 2]);
        }

        using var image = Read(Png(3, 2, 16, 0, rows));

        image.PixelType.Should().Be(PixelType.UInt16);
        Enumerable.Range(0, 6).Select(i => image.GetElement(i)).Should().Equal(values.Select(v => (double)v));
        var cut = Png(3, 2, 16, 0, rows);
        var act = () => Read(cut[..(cut.Length - 20)]);
        act.Should().Throw<ImageFormatException>();
    }

    [Fact]
    public void Jpeg_is_read_as_rgb_or_gray()
    {
        var rgb = Encode(SKColorType.Rgba8888, SKAlphaType.Opaque, SKEncodedImageFormat.Jpeg, b => b.Erase(new SKColor(200, 100, 50)));
        var gray = Encode(SKColorType.Gray8, SKAlphaType.Opaque, SKEncodedImageFormat.Jpeg, b => b.Erase(new SKColor(90, 90, 90)));

        using var color = Read(rgb, "x.jpg");
        using var mono = Read(gray, "y.jpeg");

        color.ColorSpace.Should().Be(ColorSpace.Rgb);
        color.GetValue(2, 1, channel: 0).Should().BeApproximately(200, 3);
        color.GetValue(2, 1, channel: 2).Should().BeApproximately(50, 3);
        mono.ColorSpace.Should().Be(ColorSpace.Gray);
        mono.GetValue(2, 1).Should().BeApproximately(90, 2);
    }

    [Fact]
    public void Truncated_and_garbage_files_give_a_clear_message()
    {
        var png = Encode(SKColorType.Rgba8888, SKAlphaType.Opaque, SKEncodedImageFormat.Png, b => b.Erase(SKColors.Red));
        var jpg = Encode(SKColorType.Rgba8888, SKAlphaType.Opaque, SKEncodedImageFormat.Jpeg, b => b.Erase(SKColors.Red));

        foreach (var bytes in new[] { png[..20], png[..(png.Length / 2)], jpg[..(jpg.Length / 2)], [], [1, 2, 3], "GIF89a\x01\0\x01\0\0\0\0;"u8.ToArray() })
        {
            var act = () => Read(bytes);
            act.Should().Throw<ImageFormatException>().Which.Message.Should().Contain("x.png");
        }

        var random = new Random(3);
        for (var i = 0; i < 30; i++)
        {
            var bytes = new byte[random.Next(0, 500)];
            random.NextBytes(bytes);
            var act = () => Read(bytes);
            act.Should().Throw<ImageFormatException>();
        }
    }

    [Fact]
    public void A_png_claiming_enormous_size_is_refused_before_decoding()
    {
        var rows = new byte[1];
        var png = Png(100_000, 100_000, 8, 0, rows);

        var act = () => Read(png);

        act.Should().Throw<ImageFormatException>().WithMessage("*100000×100000 is not supported*");
    }

    [Fact]
    public void A_png_whose_image_data_are_too_short_is_refused()
    {
        var act = () => Read(Png(64, 64, 8, 2, new byte[10]));

        act.Should().Throw<ImageFormatException>();
    }
}

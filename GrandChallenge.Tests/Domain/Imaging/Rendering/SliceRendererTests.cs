using GrandChallenge.Domain.Imaging;
using GrandChallenge.Domain.Imaging.Rendering;

namespace GrandChallenge.Tests.Domain.Imaging.Rendering;

[Trait("Category", "Unit")]
public sealed class SliceRendererTests
{
    // Identity window for 8-bit values: [0, 255] → [0, 255].
    private const double Center = 127.5;
    private const double Width = 255;

    /// <summary>UInt8 volume 4×3×2 with voxel (x, y, z) = x + 10y + 100z.</summary>
    private static ImageVolume Pattern()
    {
        var volume = ImageVolume.Allocate(3, 4, 3, 2, 1, 1, PixelType.UInt8, ColorSpace.Gray);
        for (var z = 0; z < 2; z++)
        {
            for (var y = 0; y < 3; y++)
            {
                for (var x = 0; x < 4; x++)
                {
                    volume.SetElement((((z * 3) + y) * 4) + x, x + (10 * y) + (100 * z));
                }
            }
        }

        return volume;
    }

    [Fact]
    public void Z_slice_has_x_across_and_y_down()
    {
        using var volume = Pattern();
        var png = Png.Read(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 1, 0, Center, Width)).Png);
        png.ColorType.Should().Be(0);
        (png.Width, png.Height).Should().Be((4, 3));
        for (var y = 0; y < 3; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                png.Grey(x, y).Should().Be((byte)(x + (10 * y) + 100));
            }
        }
    }

    [Fact]
    public void Y_slice_has_x_across_and_z_down()
    {
        using var volume = Pattern();
        var png = Png.Read(SliceRenderer.Render(volume, SliceRequest.Parse("coronal", 2, 0, Center, Width)).Png);
        (png.Width, png.Height).Should().Be((4, 2));
        for (var z = 0; z < 2; z++)
        {
            for (var x = 0; x < 4; x++)
            {
                png.Grey(x, z).Should().Be((byte)(x + 20 + (100 * z)));
            }
        }
    }

    [Fact]
    public void X_slice_has_y_across_and_z_down()
    {
        using var volume = Pattern();
        var png = Png.Read(SliceRenderer.Render(volume, SliceRequest.Parse("SAGITTAL", 3, 0, Center, Width)).Png);
        (png.Width, png.Height).Should().Be((3, 2));
        for (var z = 0; z < 2; z++)
        {
            for (var y = 0; y < 3; y++)
            {
                png.Grey(y, z).Should().Be((byte)(3 + (10 * y) + (100 * z)));
            }
        }
    }

    [Theory]
    [InlineData("x", SliceAxis.X)]
    [InlineData("sagittal", SliceAxis.X)]
    [InlineData("Y", SliceAxis.Y)]
    [InlineData("coronal", SliceAxis.Y)]
    [InlineData("z", SliceAxis.Z)]
    [InlineData(" Axial ", SliceAxis.Z)]
    public void Axis_names_and_aliases_parse(string name, SliceAxis expected) =>
        SliceRequest.ParseAxis(name).Should().Be(expected);

    [Fact]
    public void Unknown_axis_and_bad_window_or_size_are_refused_with_a_message()
    {
        FluentActions.Invoking(() => SliceRequest.Parse("oblique", 0)).Should().Throw<SliceRequestException>().WithMessage("*oblique*x, y, z*");
        FluentActions.Invoking(() => SliceRequest.Parse("z", 0, 0, 40, 0)).Should().Throw<SliceRequestException>().WithMessage("*window width must be a positive*");
        FluentActions.Invoking(() => SliceRequest.Parse("z", 0, 0, double.NaN, 10)).Should().Throw<SliceRequestException>().WithMessage("*center*");
        FluentActions.Invoking(() => SliceRequest.Parse("z", 0, 0, null, null, 0)).Should().Throw<SliceRequestException>().WithMessage("*size*");
    }

    [Fact]
    public void Index_or_timepoint_outside_the_image_is_a_clear_error()
    {
        using var volume = Pattern();
        FluentActions.Invoking(() => SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 2)))
            .Should().Throw<SliceOutOfRangeException>().WithMessage("Slice 2 is outside the image: along z it has 2 slices (0 to 1).");
        FluentActions.Invoking(() => SliceRenderer.Render(volume, new SliceRequest(SliceAxis.X, -1)))
            .Should().Throw<SliceOutOfRangeException>().WithMessage("*along x it has 4 slices*");
        FluentActions.Invoking(() => SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Y, 0, 1)))
            .Should().Throw<SliceOutOfRangeException>().WithMessage("Timepoint 1 is outside the image: it has 1 timepoint (0 to 0).");
    }

    [Fact]
    public void Window_maps_center_minus_half_width_to_black_and_plus_half_width_to_white()
    {
        short[] values = [-1000, 0, 20, 40, 80, 1000, 10, 60];
        using var volume = Row(values);
        var png = Png.Read(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0, 0, 40, 80)).Png);
        Enumerable.Range(0, values.Length).Select(x => png.Grey(x, 0))
            .Should().Equal(0, 0, 64, 128, 255, 255, 32, 191);
    }

    [Fact]
    public void Stored_window_is_the_default_and_the_request_overrides_it()
    {
        short[] values = [0, 100, 200];
        using var volume = Row(values, 100, 200);
        Greys(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0))).Should().Equal(0, 128, 255);
        Greys(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0, 0, 50, 100))).Should().Equal(0, 255, 255);
    }

    [Fact]
    public void Without_a_window_the_slice_range_is_stretched_and_a_constant_slice_is_black()
    {
        using var volume = Row([100, 300, 200, 150]);
        Greys(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0))).Should().Equal(0, 255, 128, 64);

        using var flat = Row([7, 7, 7]);
        Greys(SliceRenderer.Render(flat, new SliceRequest(SliceAxis.Z, 0))).Should().Equal(0, 0, 0);
    }

    [Fact]
    public void Float_voxels_are_windowed_too()
    {
        using var volume = ImageVolume.Allocate(2, 3, 1, 1, 1, 1, PixelType.Float32, ColorSpace.Gray);
        volume.SetElement(0, -0.5);
        volume.SetElement(1, 0.25);
        volume.SetElement(2, 2);
        Greys(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0, 0, 0.5, 1))).Should().Equal(0, 64, 255);
    }

    [Fact]
    public void Three_channel_images_render_as_rgb_with_their_own_values()
    {
        using var volume = ImageVolume.Allocate(3, 2, 2, 2, 1, 3, PixelType.UInt8, ColorSpace.Rgb);
        for (var i = 0; i < volume.ElementCount; i++)
        {
            volume.SetElement(i, (i * 10) + 3);
        }

        var png = Png.Read(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 1)).Png);
        png.ColorType.Should().Be(2, "an opaque colour slice is written as RGB");
        for (var p = 0; p < 4; p++)
        {
            var element = (4 + p) * 3;
            var c = png[p % 2, p / 2];
            (c.Red, c.Green, c.Blue).Should().Be(((byte)((element * 10) + 3), (byte)(((element + 1) * 10) + 3), (byte)(((element + 2) * 10) + 3)));
        }
    }

    [Fact]
    public void Timepoints_of_a_4d_image_render_separately()
    {
        using var volume = ImageVolume.Allocate(4, 2, 2, 2, 3, 1, PixelType.UInt8, ColorSpace.Gray);
        for (var i = 0; i < volume.ElementCount; i++)
        {
            volume.SetElement(i, ((i / 8) * 50) + (i % 8));
        }

        var png = Png.Read(SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Y, 1, 2, Center, Width)).Png);
        (png.Width, png.Height).Should().Be((2, 2));
        // t = 2, y = 1: voxels 2, 3 (z = 0) and 6, 7 (z = 1) of that timepoint.
        new[] { png.Grey(0, 0), png.Grey(1, 0), png.Grey(0, 1), png.Grey(1, 1) }.Should().Equal(102, 103, 106, 107);
    }

    [Fact]
    public void Max_size_shrinks_to_fit_keeping_the_aspect_ratio()
    {
        // 64×32 of 8×8 blocks, black and white like a chess board; a quarter of the size keeps every block whole.
        using var volume = ImageVolume.Allocate(2, 64, 32, 1, 1, 1, PixelType.UInt8, ColorSpace.Gray);
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 64; x++)
            {
                volume.SetElement((y * 64) + x, ((x / 8) + (y / 8)) % 2 == 0 ? 0 : 255);
            }
        }

        var rendered = SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0, 0, Center, Width, 16));
        (rendered.Width, rendered.Height).Should().Be((16, 8));
        var png = Png.Read(rendered.Png);
        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 16; x++)
            {
                png.Grey(x, y).Should().Be(((x / 2) + (y / 2)) % 2 == 0 ? (byte)0 : (byte)255, $"pixel ({x}, {y}) lies inside one block");
            }
        }

        var unchanged = SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0, 0, Center, Width, 100));
        (unchanged.Width, unchanged.Height).Should().Be((64, 32), "a picture is never enlarged");
    }

    [Fact]
    public void Thumbnail_is_the_middle_z_slice_within_256_pixels()
    {
        using var volume = ImageVolume.Allocate(3, 512, 128, 5, 1, 1, PixelType.Int16, ColorSpace.Gray);
        for (long i = 0; i < volume.ElementCount; i++)
        {
            // Slice z = 2 is a left half of 0 and a right half of 1000; the other slices are -500.
            var z = i / (512 * 128);
            volume.SetElement(i, z == 2 ? (i % 512 < 256 ? 0 : 1000) : -500);
        }

        using var source = new VolumeSliceSource(volume);
        var thumbnail = SliceRenderer.RenderThumbnail(source);
        (thumbnail.Width, thumbnail.Height).Should().Be((256, 64));
        var png = Png.Read(thumbnail.Png);
        png.Grey(10, 30).Should().Be(0);
        png.Grey(250, 30).Should().Be(255);
    }

    [Fact]
    public void Equal_pictures_share_an_etag_and_different_ones_do_not()
    {
        using var volume = Pattern();
        var a = SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0));
        var b = SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 0));
        var c = SliceRenderer.Render(volume, new SliceRequest(SliceAxis.Z, 1, 0, Center, Width));
        a.ETag.Should().Be(b.ETag).And.MatchRegex("^\"[0-9a-f]{32}\"$");
        c.ETag.Should().NotBe(a.ETag);
    }

    private static ImageVolume Row(short[] values, double? center = null, double? width = null)
    {
        var volume = new ImageVolume(2, values.Length, 1, 1, 1, 1, PixelType.Int16, ColorSpace.Gray, PixelBuffer.Allocate(values.Length * 2))
        {
            WindowCenter = center,
            WindowWidth = width,
        };
        for (var i = 0; i < values.Length; i++)
        {
            volume.SetElement(i, values[i]);
        }

        return volume;
    }

    private static byte[] Greys(RenderedSlice slice)
    {
        var png = Png.Read(slice.Png);
        return Enumerable.Range(0, png.Width).Select(x => png.Grey(x, 0)).ToArray();
    }
}

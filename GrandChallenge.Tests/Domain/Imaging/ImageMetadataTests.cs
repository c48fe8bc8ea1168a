using System.Text.Json;
using GrandChallenge.Domain.Imaging;

namespace GrandChallenge.Tests.Domain.Imaging;

[Trait("Category", "Unit")]
public sealed class ImageMetadataTests
{
    [Fact]
    public void A_3d_volume_has_depth_and_voxel_depth_but_no_timepoints()
    {
        using var ramp = TestImages.Ramp(3, 4, 3, 2);
        var image = new ImageVolume(3, 4, 3, 2, 1, 1, PixelType.Int16, ColorSpace.Gray, ramp.Pixels)
        {
            Spacing = [0.5, 0.6, 2],
            WindowCenter = 40,
            WindowWidth = 350,
            Modality = "CT",
        };

        var meta = ImageMetadata.From(image, "ct.mha");

        meta.Should().BeEquivalentTo(new
        {
            Name = "ct.mha",
            Width = 4,
            Height = 3,
            Depth = (int?)2,
            Timepoints = (int?)null,
            VoxelWidthMm = (double?)0.5,
            VoxelHeightMm = (double?)0.6,
            VoxelDepthMm = (double?)2,
            ColorSpace = "GRAY",
            WindowCenter = (double?)40,
            WindowWidth = (double?)350,
            Modality = "CT",
        });
        meta.Shape.Should().Equal(2, 3, 4);
        meta.ShapeWithoutColor.Should().Equal(2, 3, 4);
    }

    [Fact]
    public void A_2d_rgb_image_has_no_depth_and_appends_its_colour_components()
    {
        using var image = TestImages.Ramp(2, 6, 5, channels: 3, type: PixelType.UInt8);

        var meta = ImageMetadata.From(image, "photo");

        meta.Depth.Should().BeNull();
        meta.VoxelDepthMm.Should().BeNull();
        meta.ColorSpace.Should().Be("RGB");
        meta.ShapeWithoutColor.Should().Equal(5, 6);
        meta.Shape.Should().Equal(5, 6, 3);
    }

    [Fact]
    public void A_4d_image_leads_with_timepoints()
    {
        using var image = TestImages.Ramp(4, 2, 3, 4, 5);

        ImageMetadata.From(image, "t").Shape.Should().Equal(5, 4, 3, 2);
    }

    [Fact]
    public void Json_uses_grand_challenge_names()
    {
        using var image = TestImages.Ramp(2, 2, 2, channels: 4, type: PixelType.UInt8);

        var json = JsonSerializer.Serialize(ImageMetadata.From(image, "a"));

        json.Should().Contain("\"shape\":[2,2,4]").And.Contain("\"shape_without_color\":[2,2]")
            .And.Contain("\"color_space\":\"RGBA\"").And.Contain("\"voxel_width_mm\":1")
            .And.Contain("\"window_center\":null").And.Contain("\"timepoints\":null").And.Contain("\"depth\":null");
    }
}

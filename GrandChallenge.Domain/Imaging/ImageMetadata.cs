using System.Text.Json.Serialization;

namespace GrandChallenge.Domain.Imaging;

/// <summary>
/// An image's metadata under grand-challenge's API names (<c>GET /api/v1/cases/images/{id}/</c>).
/// <c>depth</c> is null for 2-D images and <c>timepoints</c> for anything but 4-D, as panimg records them.
/// </summary>
public sealed record ImageMetadata
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    [JsonPropertyName("width")]
    public int Width { get; init; }

    [JsonPropertyName("height")]
    public int Height { get; init; }

    [JsonPropertyName("depth")]
    public int? Depth { get; init; }

    [JsonPropertyName("timepoints")]
    public int? Timepoints { get; init; }

    [JsonPropertyName("voxel_width_mm")]
    public double? VoxelWidthMm { get; init; }

    [JsonPropertyName("voxel_height_mm")]
    public double? VoxelHeightMm { get; init; }

    [JsonPropertyName("voxel_depth_mm")]
    public double? VoxelDepthMm { get; init; }

    [JsonPropertyName("color_space")]
    public string ColorSpace { get; init; } = "GRAY";

    [JsonPropertyName("window_center")]
    public double? WindowCenter { get; init; }

    [JsonPropertyName("window_width")]
    public double? WindowWidth { get; init; }

    [JsonPropertyName("modality")]
    public string? Modality { get; init; }

    /// <summary>[t?, z?, y, x]: timepoints and depth only where they are set.</summary>
    [JsonPropertyName("shape_without_color")]
    public IReadOnlyList<int> ShapeWithoutColor
    {
        get
        {
            var shape = new List<int>(4);
            if (Timepoints is { } t)
            {
                shape.Add(t);
            }

            if (Depth is { } z)
            {
                shape.Add(z);
            }

            shape.Add(Height);
            shape.Add(Width);
            return shape;
        }
    }

    /// <summary><see cref="ShapeWithoutColor"/> followed by the colour components when there is more than one.</summary>
    [JsonPropertyName("shape")]
    public IReadOnlyList<int> Shape
    {
        get
        {
            var shape = ShapeWithoutColor.ToList();
            var components = ColorSpace switch
            {
                "RGB" => 3,
                "RGBA" or "YCBCR" => 4,
                _ => 1,
            };
            if (components > 1)
            {
                shape.Add(components);
            }

            return shape;
        }
    }

    public static ImageMetadata From(ImageVolume volume, string name) => new()
    {
        Name = name,
        Width = volume.Width,
        Height = volume.Height,
        Depth = volume.Dimensions >= 3 ? volume.Depth : null,
        Timepoints = volume.Dimensions == 4 ? volume.Timepoints : null,
        VoxelWidthMm = volume.SpacingValid ? volume.Spacing[0] : null,
        VoxelHeightMm = volume.SpacingValid ? volume.Spacing[1] : null,
        VoxelDepthMm = volume.SpacingValid && volume.Dimensions >= 3 ? volume.Spacing[2] : null,
        ColorSpace = volume.ColorSpace.ApiName(),
        WindowCenter = volume.WindowCenter,
        WindowWidth = volume.WindowWidth,
        Modality = volume.Modality,
    };
}

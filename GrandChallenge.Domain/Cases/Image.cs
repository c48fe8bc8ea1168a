using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Cases;

/// <summary>
/// A stored medical image (grand-challenge.org's <c>cases.Image</c>): its shape, geometry and DICOM-derived
/// metadata (already de-identified on import), and the files that hold it (<see cref="ImageFile"/>).
/// </summary>
public class Image : IHasTimestamps
{
    public const int MaxNameLength = 4096;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    /// <summary>The upload session that created the image; null for images made by the platform itself.</summary>
    public Guid? OriginId { get; set; }
    public UploadSession? Origin { get; set; }

    public int Width { get; set; }
    public int Height { get; set; }
    /// <summary>Null for 2-D images.</summary>
    public int? Depth { get; set; }
    /// <summary>Set only for 4-D images.</summary>
    public int? Timepoints { get; set; }
    /// <summary>Colour components per voxel (1, 3 or 4).</summary>
    public int Channels { get; set; } = 1;
    /// <summary>The stored voxel type, as <see cref="Imaging.PixelType"/>'s name (Int16, Float32, ...).</summary>
    public string PixelType { get; set; } = "UInt8";
    public string ColorSpace { get; set; } = "GRAY";
    public double? VoxelWidthMm { get; set; }
    public double? VoxelHeightMm { get; set; }
    public double? VoxelDepthMm { get; set; }
    /// <summary>LPS millimetres of voxel (0, 0, 0) and the 3×3 direction matrix (row-major), as in the stored .mha.</summary>
    public ImageGeometry Geometry { get; set; } = new();
    /// <summary>Pyramid levels of a TIFF image; null for volumes.</summary>
    public int? ResolutionLevels { get; set; }
    public double? WindowCenter { get; set; }
    public double? WindowWidth { get; set; }
    public string? Modality { get; set; }

    public string PatientId { get; set; } = "";
    public string PatientName { get; set; } = "";
    public string PatientBirthDate { get; set; } = "";
    public string PatientAge { get; set; } = "";
    public string PatientSex { get; set; } = "";
    public string StudyDate { get; set; } = "";
    public string StudyInstanceUid { get; set; } = "";
    public string SeriesInstanceUid { get; set; } = "";
    public string StudyDescription { get; set; } = "";
    public string SeriesDescription { get; set; } = "";
    /// <summary>Distinct voxel values of a label image (8-bit, one channel, at most 64 values); null otherwise.</summary>
    public List<int>? Segments { get; set; }

    public List<ImageFile> Files { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

public sealed class ImageGeometry
{
    public double[] Origin { get; set; } = [0, 0, 0];
    public double[] Direction { get; set; } = [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/// <summary>What a stored file of an image holds.</summary>
public enum ImageFileType
{
    /// <summary>MetaImage (.mha), grand-challenge's "MHD".</summary>
    Mhd,
    /// <summary>(Pyramidal) TIFF for large 2-D images.</summary>
    Tiff,
    /// <summary>A PNG preview of the image.</summary>
    Thumbnail,
}

/// <summary>One stored, immutable file of an <see cref="Image"/>, under <see cref="BlobKey"/> in the blob store.</summary>
public class ImageFile
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ImageId { get; set; }
    public Image? Image { get; set; }
    public ImageFileType ImageType { get; set; }
    public required string FileName { get; set; }
    public long SizeInStorage { get; set; }
    public string Sha256 { get; set; } = "";
    public DateTimeOffset Created { get; set; }

    /// <summary><c>images/&lt;id[0:2]&gt;/&lt;id[2:4]&gt;/&lt;image id&gt;/&lt;file id&gt;/&lt;name&gt;</c>, as grand-challenge.org lays them out.</summary>
    public string BlobKey => KeyFor(ImageId, Id, FileName);

    public static string KeyFor(Guid imageId, Guid fileId, string fileName)
    {
        var id = imageId.ToString("D");
        return $"images/{id[..2]}/{id[2..4]}/{imageId:D}/{fileId:D}/{fileName}";
    }
}

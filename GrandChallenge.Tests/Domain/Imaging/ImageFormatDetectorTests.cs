using System.Text;
using GrandChallenge.Domain.Imaging;

namespace GrandChallenge.Tests.Domain.Imaging;

[Trait("Category", "Unit")]
public sealed class ImageFormatDetectorTests
{
    private static byte[] DicomWithPreamble()
    {
        var bytes = new byte[140];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        return bytes;
    }

    public static TheoryData<string, byte[], ImageFileFormat> Cases => new()
    {
        { "a.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0], ImageFileFormat.Png },
        { "a.bin", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], ImageFileFormat.Jpeg },
        { "a.tif", "II*\0\x08\0\0\0"u8.ToArray(), ImageFileFormat.Tiff },
        { "a.tif", "MM\0*\0\0\0\x08"u8.ToArray(), ImageFileFormat.Tiff },
        { "a.tif", "II+\0\x08\0\0\0"u8.ToArray(), ImageFileFormat.Tiff },
        { "x", DicomWithPreamble(), ImageFileFormat.Dicom },
        { "x", [0x02, 0x00, 0x00, 0x00, (byte)'U', (byte)'L', 4, 0, 0x80, 0, 0, 0], ImageFileFormat.Dicom },
        { "x", [0x08, 0x00, 0x05, 0x00, 10, 0, 0, 0, (byte)'I', (byte)'S'], ImageFileFormat.Dicom },
        { "a.nii", new NiftiBuilder().Build([]), ImageFileFormat.Nifti },
        { "a.nii", new NiftiBuilder { Version = 2, BigEndian = true }.Build([]), ImageFileFormat.Nifti },
        { "a.nii.gz", [0x1F, 0x8B, 8, 0], ImageFileFormat.Nifti },
        { "a.gz", [0x1F, 0x8B, 8, 0], ImageFileFormat.Unknown },
        { "a.mha", Encoding.ASCII.GetBytes("ObjectType = Image\nNDims = 3\nElementDataFile = LOCAL\n"), ImageFileFormat.MetaImageMha },
        { "a.mhd", Encoding.ASCII.GetBytes("ObjectType = Image\nNDims = 3\nElementDataFile = a.raw\n"), ImageFileFormat.MetaImageMhd },
        { "noext", Encoding.ASCII.GetBytes("NDims = 3\nElementDataFile = a.raw\n"), ImageFileFormat.MetaImageMhd },
        { "a.mha", Encoding.ASCII.GetBytes("hello world\n"), ImageFileFormat.Unknown },
        { "a.txt", Encoding.ASCII.GetBytes("name,value\n1,2\n"), ImageFileFormat.Unknown },
        { "empty", [], ImageFileFormat.Unknown },
        { "a.raw", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], ImageFileFormat.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Formats_are_recognised_by_content(string name, byte[] head, ImageFileFormat expected) =>
        ImageFormatDetector.Detect(name, head).Should().Be(expected);

    [Fact]
    public void A_gzipped_nifti_is_recognised_by_its_decompressed_header_whatever_its_name()
    {
        var path = Path.Combine(TestImages.TempDir(), "upload.gz");
        File.WriteAllBytes(path, TestImages.Gzip(new NiftiBuilder().Build(new byte[48])));

        ImageFormatDetector.Detect(path).Should().Be(ImageFileFormat.Nifti);
    }

    [Fact]
    public void A_gzipped_text_file_is_unknown()
    {
        var path = Path.Combine(TestImages.TempDir(), "notes.gz");
        File.WriteAllBytes(path, TestImages.Gzip(Encoding.ASCII.GetBytes("not an image")));

        ImageFormatDetector.Detect(path).Should().Be(ImageFileFormat.Unknown);
    }

    [Fact]
    public void A_written_mha_file_is_detected_as_mha()
    {
        var path = Path.Combine(TestImages.TempDir(), "x.mha");
        using var image = TestImages.Ramp(3, 2, 2, 2);
        MetaImageWriter.Write(image, path);

        ImageFormatDetector.Detect(path).Should().Be(ImageFileFormat.MetaImageMha);
    }
}

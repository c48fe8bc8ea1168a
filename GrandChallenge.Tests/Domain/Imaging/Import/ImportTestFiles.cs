using System.Text;
using GrandChallenge.Domain.Imaging;
using SkiaSharp;

namespace GrandChallenge.Tests.Domain.Imaging.Import;

/// <summary>Image files of every format this part imports, written from code.</summary>
internal static class ImportTestFiles
{
    public static ImageVolume Volume() => new ImageVolume(
        3, 4, 3, 2, 1, 1, PixelType.Int16, ColorSpace.Gray, TestImages.Ramp(3, 4, 3, 2).Pixels)
    {
        Spacing = [0.5, 0.75, 2.5],
        Origin = [10, -20, 30],
        Direction = [0, 1, 0, 1, 0, 0, 0, 0, 1],
    };

    public static string WriteMha(string dir, string name = "scan.mha")
    {
        using var volume = Volume();
        var path = Path.Combine(dir, name);
        MetaImageWriter.Write(volume, path, compress: true);
        return path;
    }

    /// <summary>A .mhd header with its .raw (or zlib-compressed .zraw) data file; returns the header's path.</summary>
    public static string WriteMhd(string dir, string baseName = "scan", bool compressed = false)
    {
        using var volume = Volume();
        var data = volume.Pixels.ToArray();
        var dataName = baseName + (compressed ? ".zraw" : ".raw");
        var bytes = compressed ? TestImages.Zlib(data) : data;
        File.WriteAllBytes(Path.Combine(dir, dataName), bytes);
        var header = new StringBuilder()
            .Append("ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n")
            .Append(compressed ? $"CompressedData = True\nCompressedDataSize = {bytes.Length}\n" : "CompressedData = False\n")
            .Append("TransformMatrix = 0 1 0 1 0 0 0 0 1\nOffset = 10 -20 30\nElementSpacing = 0.5 0.75 2.5\n")
            .Append("DimSize = 4 3 2\nElementType = MET_SHORT\n")
            .Append($"ElementDataFile = {dataName}\n");
        var path = Path.Combine(dir, baseName + ".mhd");
        File.WriteAllText(path, header.ToString());
        return path;
    }

    public static string WriteNifti(string dir, string name = "brain.nii", bool gzip = false)
    {
        var voxels = TestImages.Ramp(3, 4, 3, 2).Pixels.ToArray();
        var bytes = new NiftiBuilder { Dim = [3, 4, 3, 2, 1, 1, 1, 1], Pixdim = [1, 0.5, 0.75, 2.5, 1, 0, 0, 0] }.Build(voxels);
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, gzip ? TestImages.Gzip(bytes) : bytes);
        return path;
    }

    public static byte[] Raster(SKEncodedImageFormat format, int width = 5, int height = 3)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 40), (byte)(x * 40), (byte)(x * 40)));
            }
        }

        using var data = bitmap.Encode(format, 100);
        return data.ToArray();
    }

    public static string WriteRaster(string dir, string name, SKEncodedImageFormat format)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, Raster(format));
        return path;
    }

    /// <summary>The first half of a file: a header that promises more data than there is.</summary>
    public static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
    }
}

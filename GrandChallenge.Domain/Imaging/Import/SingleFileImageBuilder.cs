namespace GrandChallenge.Domain.Imaging.Import;

/// <summary>
/// Shared by the builders whose images are one file each (NIfTI, PNG, JPEG): a file this builder recognises
/// becomes an image or, when it cannot be read, an error on that file.
/// </summary>
public abstract class SingleFileImageBuilder : IImageBuilder
{
    public abstract int Order { get; }

    /// <summary>What the error messages call the format ("NIfTI", "PNG or JPEG").</summary>
    protected abstract string FormatName { get; }

    public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
    {
        var result = new ImageBuildResult();
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            if (!Recognises(file))
            {
                continue;
            }

            try
            {
                var volume = Read(file, context.ReadOptions);
                result.AddImage(new BuiltImage { Name = Path.GetFileName(file), Volume = volume, ConsumedFiles = [file] });
            }
            catch (Exception e) when (ImageBuilding.IsReadFailure(e))
            {
                result.AddError(file, ImageBuilding.Describe(e, FormatName));
            }
        }

        return result;
    }

    protected abstract bool Recognises(string file);

    protected abstract ImageVolume Read(string file, ImageReadOptions options);
}

/// <summary>NIfTI-1 and NIfTI-2 single-file images, plain (<c>.nii</c>) or gzipped (<c>.nii.gz</c>).</summary>
public sealed class NiftiImageBuilder : SingleFileImageBuilder
{
    public override int Order => 20;

    protected override string FormatName => "NIfTI";

    protected override bool Recognises(string file) =>
        ImageBuilding.HasExtension(file, ".nii", ".nii.gz") || ImageBuilding.Detect(file) == ImageFileFormat.Nifti;

    protected override ImageVolume Read(string file, ImageReadOptions options) => NiftiReader.Read(file, options);
}

/// <summary>PNG and JPEG images (2-D, no physical spacing).</summary>
public sealed class RasterImageBuilder : SingleFileImageBuilder
{
    public override int Order => 50;

    protected override string FormatName => "PNG or JPEG";

    protected override bool Recognises(string file) =>
        ImageBuilding.HasExtension(file, ".png", ".jpg", ".jpeg")
        || ImageBuilding.Detect(file) is ImageFileFormat.Png or ImageFileFormat.Jpeg;

    protected override ImageVolume Read(string file, ImageReadOptions options) => RasterImageReader.Read(file, options);
}

/// <summary>Helpers every builder uses to recognise files and word read failures.</summary>
public static class ImageBuilding
{
    public static bool HasExtension(string file, params string[] extensions) =>
        extensions.Any(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>The format by the file's first bytes; Unknown when the file cannot be opened.</summary>
    public static ImageFileFormat Detect(string file)
    {
        try
        {
            return ImageFormatDetector.Detect(file);
        }
        catch (IOException)
        {
            return ImageFileFormat.Unknown;
        }
    }

    /// <summary>Failures of a reader on a bad file, as opposed to cancellation or a bug.</summary>
    public static bool IsReadFailure(Exception e) =>
        e is ImageFormatException or IOException or InvalidDataException or EndOfStreamException or OverflowException
            or ArgumentException or NotSupportedException or IndexOutOfRangeException or OutOfMemoryException;

    public static string Describe(Exception e, string format) => e switch
    {
        ImageFormatException => e.Message,
        EndOfStreamException => $"The {format} file is truncated.",
        OutOfMemoryException => $"The {format} image is too large to read.",
        _ => $"Not a valid {format} file: {e.Message}",
    };
}

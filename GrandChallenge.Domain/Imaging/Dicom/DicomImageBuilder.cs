using GrandChallenge.Domain.Imaging.Import;

namespace GrandChallenge.Domain.Imaging.Dicom;

/// <summary>
/// Builds one image per DICOM series (see <see cref="DicomSeriesReader"/>). Files that are not DICOM are left
/// to other builders; a DICOM file that cannot be read gets a message. Only the de-identified volume is
/// kept: the import stores it as <c>.mha</c>, never the original files.
/// </summary>
public sealed class DicomImageBuilder(IDicomDecoder decoder) : IImageBuilder
{
    public DicomImageBuilder()
        : this(DicomDecoderChain.Default)
    {
    }

    public int Order => 30;

    public ImageBuildResult Build(IReadOnlyList<string> files, ImageBuildContext context, CancellationToken ct)
    {
        var dicom = files.Where(IsDicom).ToList();
        return dicom.Count == 0 ? ImageBuildResult.Empty : new DicomSeriesReader(decoder).Read(dicom, context, ct);
    }

    private static bool IsDicom(string path)
    {
        try
        {
            return ImageFormatDetector.Detect(path) == ImageFileFormat.Dicom;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Imaging.Import;

/// <summary>Section <c>ImageImport</c>: limits on what the zip and tar files of an upload may unpack to, and on sessions per user.</summary>
public sealed class ImageImportOptions
{
    public const string SectionName = "ImageImport";

    /// <summary>Bytes all archives of one upload session may unpack to together (default 100 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUnpackedBytes { get; set; } = 100L << 30;

    /// <summary>Files one upload session may hold after unpacking (default 10,000).</summary>
    [Range(1, int.MaxValue)]
    public int MaxFiles { get; set; } = 10_000;

    /// <summary>
    /// Largest ratio of unpacked to packed size of one zip entry (or of a whole .tar.gz) before it counts as a zip bomb
    /// (default 200; image data rarely compresses better than 20:1). Entries under <see cref="RatioFreeBytes"/> are exempt.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxCompressionRatio { get; set; } = 200;

    /// <summary>Unpacked bytes of an entry that never trip <see cref="MaxCompressionRatio"/> (default 1 MiB).</summary>
    [Range(0, long.MaxValue)]
    public long RatioFreeBytes { get; set; } = 1L << 20;

    /// <summary>Upload sessions one user may have queued or importing at the same time (default 4).</summary>
    [Range(1, 10_000)]
    public int MaxActiveSessionsPerUser { get; set; } = 4;

    /// <summary>How deep archives inside archives are unpacked (default 3).</summary>
    [Range(1, 16)]
    public int MaxNesting { get; set; } = 3;
}

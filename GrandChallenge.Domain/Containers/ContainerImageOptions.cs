using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Containers;

/// <summary>Limits and housekeeping of container images (section <c>ContainerImages</c>).</summary>
public sealed class ContainerImageOptions
{
    public const string SectionName = "ContainerImages";

    /// <summary>Largest archive accepted for upload, as stored (compressed); 10 GiB by default.</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxArchiveBytes { get; set; } = 10L << 30;

    /// <summary>Largest archive after decompression that validation reads through; 20 GiB by default.</summary>
    [Range(1024L, long.MaxValue)]
    public long MaxUncompressedBytes { get; set; } = 20L << 30;

    /// <summary>How often an import is retried while the container engine does not answer, before it fails.</summary>
    [Range(0, 1000)]
    public int MaxEngineAttempts { get; set; } = 10;

    /// <summary>Wait before the first retry when the engine does not answer; each later retry waits one more step (capped at 10 minutes).</summary>
    [Range(1, 3600)]
    public int EngineRetryDelaySeconds { get; set; } = 30;

    /// <summary>Images that are not the active version, unused and older than this are removed from the engine each night (the archive stays).</summary>
    [Range(0, 3650)]
    public int RemoveUnusedAfterDays { get; set; } = 1;
}

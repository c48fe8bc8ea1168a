using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Components;

/// <summary>Limits on socket values, container outputs and staged inputs: section <c>Components</c>.</summary>
public sealed class ComponentsOptions
{
    public const string SectionName = "Components";

    /// <summary>Largest file a socket value or an output file may be (default 10 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 10L << 30;

    /// <summary>Largest JSON document read into memory to parse and validate (default 64 MiB).</summary>
    [Range(1, int.MaxValue)]
    public int MaxJsonBytes { get; set; } = 64 << 20;

    /// <summary>Most files a container may write into one image output folder (grand-challenge.org: 1000).</summary>
    [Range(1, 1_000_000)]
    public int MaxOutputImageFiles { get; set; } = 1000;

    /// <summary>Most entries a ZIP input may unpack to.</summary>
    [Range(1, 10_000_000)]
    public int MaxZipEntries { get; set; } = 10_000;

    /// <summary>Most bytes a ZIP input may unpack to in total (default 10 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxZipBytes { get; set; } = 10L << 30;

    /// <summary>Largest ratio of unpacked to packed size of a ZIP input or any of its entries (zip bombs exceed it).</summary>
    [Range(1, 100_000)]
    public int MaxZipCompressionRatio { get; set; } = 200;
}

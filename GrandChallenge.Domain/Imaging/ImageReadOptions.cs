namespace GrandChallenge.Domain.Imaging;

/// <summary>Limits and scratch space for the image readers.</summary>
public sealed record ImageReadOptions
{
    public static ImageReadOptions Default { get; } = new();

    /// <summary>Pixel data up to this size is kept in memory; larger volumes go to a temporary file.</summary>
    public long InMemoryLimitBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Refuse volumes whose pixel data would exceed this, whatever the header says.</summary>
    public long MaxPixelBytes { get; init; } = 32L * 1024 * 1024 * 1024;

    public string? TemporaryDirectory { get; init; }
}

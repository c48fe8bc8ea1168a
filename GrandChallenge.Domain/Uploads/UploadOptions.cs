using System.ComponentModel.DataAnnotations;

namespace GrandChallenge.Domain.Uploads;

/// <summary>Section <c>Uploads</c>: how large uploads may be and how long unfinished ones are kept.</summary>
public sealed class UploadOptions : IValidatableObject
{
    public const string SectionName = "Uploads";

    /// <summary>Largest single upload, in bytes (default 10 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 10L << 30;

    /// <summary>Bytes one user may hold in completed uploads plus parts of unfinished ones (default 50 GiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytesPerUser { get; set; } = 50L << 30;

    /// <summary>Largest part of a multipart upload, in bytes (default 100 MiB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxPartBytes { get; set; } = 100L << 20;

    /// <summary>Uploads one user may have at once, finished or not (grand-challenge.org: 2000).</summary>
    [Range(1, int.MaxValue)]
    public int MaxUploadsPerUser { get; set; } = 2000;

    /// <summary>Unfinished uploads older than this are deleted with their parts (default 24 hours).</summary>
    public TimeSpan ExpireAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a part URL handed out by generate-presigned-urls stays valid (default 1 hour).</summary>
    public TimeSpan PresignedUrlLifetime { get; set; } = TimeSpan.FromHours(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ExpireAfter <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Uploads:ExpireAfter must be positive, e.g. 1.00:00:00 for a day.", [nameof(ExpireAfter)]);
        }

        if (PresignedUrlLifetime <= TimeSpan.Zero)
        {
            yield return new ValidationResult("Uploads:PresignedUrlLifetime must be positive, e.g. 01:00:00.", [nameof(PresignedUrlLifetime)]);
        }
    }
}

using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Uploads;

/// <summary>Where an upload is: parts still arriving, assembled into one file, or given up.</summary>
public enum UploadStatus
{
    Initialized = 1,
    Completed = 2,
    Aborted = 3,
}

/// <summary>
/// A file a user uploads, in parts (resumable, any order) or in one request, for other features to consume
/// (container images, predictions, images). grand-challenge.org's <c>UserUpload</c>; the parts live under
/// <c>uploads/&lt;creator&gt;/&lt;id&gt;/parts/</c> until completion assembles them into <see cref="FileKey"/>.
/// </summary>
public class UserUpload : IHasTimestamps
{
    public const int MaxFilenameLength = 128;
    public const int MaxPartNumber = 10_000;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid CreatorId { get; set; }
    /// <summary>A bare file name (no folders), as the user named the file.</summary>
    public required string Filename { get; set; }
    public UploadStatus Status { get; set; } = UploadStatus.Initialized;
    /// <summary>The secret second half of every part URL (grand-challenge.org's <c>s3_upload_id</c>).</summary>
    public required string UploadKey { get; set; }
    public long? ExpectedSize { get; set; }
    /// <summary>Lower-case hex SHA-256 the client announced; completion refuses other content.</summary>
    public string? ExpectedSha256 { get; set; }
    public long? Size { get; set; }
    public string? Sha256 { get; set; }
    public string? MimeType { get; set; }
    public List<UploadPart> Parts { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public string FileKey => FileKeyOf(CreatorId, Id);

    public static string PrefixOf(Guid creatorId, Guid uploadId) => $"uploads/{creatorId:D}/{uploadId:D}";

    public static string FileKeyOf(Guid creatorId, Guid uploadId) => $"{PrefixOf(creatorId, uploadId)}/file";

    public static string PartsPrefixOf(Guid creatorId, Guid uploadId) => $"{PrefixOf(creatorId, uploadId)}/parts";
}

/// <summary>
/// One stored part. Sending a part number again stores a new part (new id, new blob) and removes the old one,
/// so the blob a row names always holds exactly the bytes its <see cref="ETag"/> was computed from.
/// </summary>
public class UploadPart
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UploadId { get; set; }
    public int PartNumber { get; set; }
    public long Size { get; set; }
    /// <summary>Lower-case hex MD5 of the part, as S3 computes it for a part.</summary>
    public required string ETag { get; set; }
    public DateTimeOffset Created { get; set; }

    public static string BlobKeyOf(Guid creatorId, Guid uploadId, Guid partId) =>
        $"{UserUpload.PartsPrefixOf(creatorId, uploadId)}/{partId:D}";
}

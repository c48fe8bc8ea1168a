using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;

namespace GrandChallenge.Domain.Cases;

/// <summary>grand-challenge.org's <c>RawImageUploadSession</c> statuses; the API shows <see cref="UploadSessions.Label"/>.</summary>
public enum UploadSessionStatus
{
    Queued = 0,
    Started = 1,
    ReQueued = 2,
    Failed = 3,
    Succeeded = 4,
    Cancelled = 5,
}

/// <summary>
/// Files a user uploaded to become images (grand-challenge.org's <c>RawImageUploadSession</c>). An import job unpacks
/// them, groups them (a DICOM series, a header with its raw data) and stores one <see cref="Image"/> per group; files
/// that became no image are listed with the reason in <see cref="FileErrors"/>. The images go to the destination:
/// new items of an archive, or one socket of an existing archive item.
/// </summary>
public class UploadSession : IHasTimestamps
{
    public const int MaxFiles = 100;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid? CreatorId { get; set; }
    public ApplicationUser? Creator { get; set; }
    public UploadSessionStatus Status { get; set; } = UploadSessionStatus.Queued;
    public string ErrorMessage { get; set; } = "";

    /// <summary>The uploaded files, already in the blob store, in upload order.</summary>
    public List<UploadSessionFile> Files { get; set; } = [];
    /// <summary>Relative path of a file (inside zips too) → why it became no image.</summary>
    public Dictionary<string, string> FileErrors { get; set; } = [];
    /// <summary>Relative paths of the files that became part of an image.</summary>
    public List<string> ConsumedFiles { get; set; } = [];
    /// <summary>Progress shown while importing: files looked at so far of <see cref="FilesTotal"/> (after unpacking).</summary>
    public int FilesProcessed { get; set; }
    public int FilesTotal { get; set; }

    /// <summary>Destination: every image becomes a new item of this archive...</summary>
    public Guid? ArchiveId { get; set; }
    /// <summary>...or the value of <see cref="SocketId"/> on this archive item.</summary>
    public Guid? ArchiveItemId { get; set; }
    /// <summary>The image socket the images are set on (default <c>generic-medical-image</c> for archives).</summary>
    public int? SocketId { get; set; }

    public List<Image> Images { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public bool IsFinished => Status is UploadSessionStatus.Succeeded or UploadSessionStatus.Failed or UploadSessionStatus.Cancelled;
}

/// <summary>One uploaded file of a session: its name as uploaded and where its bytes are.</summary>
public sealed record UploadSessionFile(string Name, string BlobKey, long Size);

public static class UploadSessions
{
    public static string Label(UploadSessionStatus status) => status switch
    {
        UploadSessionStatus.Queued => "Queued",
        UploadSessionStatus.Started => "Started",
        UploadSessionStatus.ReQueued => "Re-Queued",
        UploadSessionStatus.Failed => "Failed",
        UploadSessionStatus.Succeeded => "Succeeded",
        _ => "Cancelled",
    };

    public static string BlobKeyFor(Guid sessionId, int index, string name) => $"upload-sessions/{sessionId:D}/{index}/{name}";
}

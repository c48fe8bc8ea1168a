namespace GrandChallenge.Domain.Uploads;

/// <summary>
/// The outcome of an operation on one upload: a value, "no such upload" (also what anyone but its creator gets),
/// or a message for the user about a request that was refused and changed nothing.
/// </summary>
public readonly record struct UploadResult<T>(T? Value, string? Error, bool NotFound = false)
{
    public bool Succeeded => Error is null && !NotFound;

    public static UploadResult<T> Ok(T value) => new(value, null);

    public static UploadResult<T> Fail(string error) => new(default, error);

    public static UploadResult<T> Missing() => new(default, null, NotFound: true);
}

/// <summary>What callers see of an upload.</summary>
public sealed record UploadInfo(
    Guid Id,
    Guid CreatorId,
    string Filename,
    UploadStatus Status,
    string UploadKey,
    long? ExpectedSize,
    string? ExpectedSha256,
    long? Size,
    string? Sha256,
    string? MimeType,
    DateTimeOffset Created,
    DateTimeOffset Modified)
{
    /// <summary>The blob holding the whole file once the upload is completed.</summary>
    public string FileKey => UserUpload.FileKeyOf(CreatorId, Id);

    public static UploadInfo From(UserUpload u) =>
        new(u.Id, u.CreatorId, u.Filename, u.Status, u.UploadKey, u.ExpectedSize, u.ExpectedSha256, u.Size, u.Sha256, u.MimeType, u.Created, u.Modified);
}

/// <summary>A stored part: its number, size, MD5 (hex, without quotes) and when it arrived.</summary>
public sealed record StoredPart(int PartNumber, long Size, string ETag, DateTimeOffset LastModified);

/// <summary>A part the client names when completing: number and the ETag it was answered with (quotes optional).</summary>
public sealed record PartReference(int PartNumber, string? ETag);

/// <summary>Where a part may be sent without other credentials until <see cref="ExpiresUnix"/>.</summary>
public sealed record PartSignature(int PartNumber, long ExpiresUnix, string Signature);

/// <summary>Quota figures for one user, for pages that show how much room is left.</summary>
public sealed record UploadUsage(long BytesUsed, long MaxBytes, int Uploads, int MaxUploads);

/// <summary>A completed upload opened for reading by a feature that consumes it; dispose to close the file.</summary>
public sealed class OpenedUpload(UploadInfo info, Stream content) : IAsyncDisposable, IDisposable
{
    public UploadInfo Info { get; } = info;

    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}

/// <summary>An upload with signatures for the parts asked for.</summary>
public sealed record PresignedParts(UploadInfo Upload, IReadOnlyList<PartSignature> Parts);

/// <summary>An upload with the parts stored so far, in part-number order.</summary>
public sealed record UploadWithParts(UploadInfo Upload, IReadOnlyList<StoredPart> Parts);

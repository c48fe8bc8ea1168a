using System.Text.Json.Serialization;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Api;

namespace GrandChallenge.Web.Features.Uploads;

/// <summary>
/// An upload as grand-challenge.org's API shows it (<c>UserUpload</c>): every key gcapi requires, with the status as
/// its label ("Initialized", "Completed", "Aborted"), plus the size, SHA-256 and MIME type once completed.
/// generate-presigned-urls adds <c>presigned_urls</c> (part number as a string → URL to PUT that part to, without
/// credentials); list-parts adds <c>parts</c>.
/// </summary>
public sealed record UploadDto(
    Guid Pk,
    DateTimeOffset Created,
    string Filename,
    string Key,
    [property: JsonPropertyName("s3_upload_id")] string S3UploadId,
    string Status,
    string ApiUrl,
    long? Size,
    [property: JsonPropertyName("sha256")] string? Sha256,
    string? MimeType)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? PresignedUrls { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<UploadPartDto>? Parts { get; init; }

    public static UploadDto From(UploadInfo u, HttpRequest request) =>
        new(u.Id, u.Created, u.Filename, u.FileKey, u.UploadKey, u.Status.ToString(), UploadUrls.Api(request, u.Id), u.Size, u.Sha256, u.MimeType);
}

/// <summary>One stored part; <c>ETag</c> is quoted like the part upload's <c>ETag</c> header.</summary>
public sealed record UploadPartDto(
    [property: JsonPropertyName("ETag")] string ETag,
    [property: JsonPropertyName("PartNumber")] int PartNumber,
    [property: JsonPropertyName("LastModified")] DateTimeOffset LastModified,
    [property: JsonPropertyName("Size")] long Size);

/// <summary><c>POST /api/v1/uploads/</c> as JSON; <c>size</c> and <c>sha256</c> are optional and checked on completion.</summary>
public sealed record CreateUploadRequest(string? Filename, long? Size, [property: JsonPropertyName("sha256")] string? Sha256);

public sealed record PresignRequest(IReadOnlyList<int>? PartNumbers);

public sealed record CompleteRequest(IReadOnlyList<CompletePartRequest>? Parts);

/// <summary>A part to complete with: <c>{"ETag": "\"…\"", "PartNumber": 1}</c>; the ETag may come with or without quotes.</summary>
public sealed record CompletePartRequest(
    [property: JsonPropertyName("ETag")] string? ETag,
    [property: JsonPropertyName("PartNumber")] int PartNumber);

internal static class UploadUrls
{
    public static string Root(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{ApiConventions.Prefix}/uploads";

    public static string Api(HttpRequest request, Guid uploadId) => $"{Root(request)}/{uploadId:D}/";

    public static string Part(HttpRequest request, UploadInfo upload, PartSignature part) =>
        $"{Root(request)}/{upload.Id:D}/{Uri.EscapeDataString(upload.UploadKey)}/parts/{part.PartNumber}/" +
        $"?expires={part.ExpiresUnix}&signature={Uri.EscapeDataString(part.Signature)}";
}

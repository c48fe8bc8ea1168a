using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace GrandChallenge.Tests.Web.Uploads;

/// <summary>The calls gcapi makes for an upload, against the test host: create, presign, PUT parts, list, complete, abort.</summary>
internal sealed class UploadClient(HttpClient authenticated, HttpClient anonymous)
{
    public HttpClient Http => authenticated;

    public async Task<JsonElement> CreateAsync(string filename, long? size = null, string? sha256 = null)
    {
        var response = await authenticated.PostAsJsonAsync("/api/v1/uploads/", new { filename, size, sha256 });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static string Path(JsonElement upload, string action) =>
        $"/api/v1/uploads/{upload.GetProperty("pk").GetString()}/{upload.GetProperty("s3_upload_id").GetString()}/{action}/";

    public Task<HttpResponseMessage> PresignAsync(JsonElement upload, params int[] partNumbers) =>
        authenticated.PatchAsJsonAsync(Path(upload, "generate-presigned-urls"), new { part_numbers = partNumbers });

    public async Task<Dictionary<int, string>> PartUrlsAsync(JsonElement upload, params int[] partNumbers)
    {
        var response = await PresignAsync(upload, partNumbers);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("presigned_urls").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetString()!);
    }

    /// <summary>PUTs a part to its presigned URL without credentials, as gcapi does.</summary>
    public Task<HttpResponseMessage> PutAsync(string url, HttpContent content) => anonymous.PutAsync(url, content);

    public async Task<string> PutPartAsync(string url, byte[] content)
    {
        var response = await PutAsync(url, new ByteArrayContent(content));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var etag = response.Headers.ETag!.Tag;
        etag.Should().Be($"\"{Md5Hex(content)}\"", "a part's ETag is its MD5, quoted like S3's");
        return etag;
    }

    public Task<HttpResponseMessage> CompleteAsync(JsonElement upload, params (int PartNumber, string ETag)[] parts) =>
        authenticated.PatchAsJsonAsync(Path(upload, "complete-multipart-upload"),
            new Dictionary<string, object> { ["parts"] = parts.Select(p => new Dictionary<string, object> { ["ETag"] = p.ETag, ["PartNumber"] = p.PartNumber }).ToList() });

    public Task<HttpResponseMessage> AbortAsync(JsonElement upload) =>
        authenticated.PatchAsync(Path(upload, "abort-multipart-upload"), null);

    public async Task<JsonElement> ListPartsAsync(JsonElement upload)
    {
        var response = await authenticated.GetAsync(Path(upload, "list-parts"));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> GetAsync(JsonElement upload)
    {
        var response = await authenticated.GetAsync($"/api/v1/uploads/{upload.GetProperty("pk").GetString()}/");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Md5Hex(byte[] content) => Convert.ToHexStringLower(MD5.HashData(content));

    public static string Sha256Hex(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>A body whose length is not known up front (sent chunked), like a client streaming from a pipe.</summary>
internal sealed class UnknownLengthStream(Stream inner) : Stream
{
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

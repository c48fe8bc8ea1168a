using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Web.Features.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GrandChallenge.Web.Features.Api;

/// <summary>A file of a multipart request, spooled to a temporary file as it arrived (never held in memory).</summary>
public sealed record SpooledFile(string FieldName, string Filename, string Path, long Length)
{
    public Stream OpenRead() => File.OpenRead(Path);
}

/// <summary>
/// A multipart/form-data request read as a stream: text fields, and files spooled to the data folder's tmp. Browser
/// sessions must send the antiforgery token in a header (so the body is never buffered to check a form field); API
/// tokens need none. Dispose to delete the spooled files.
/// </summary>
public sealed class StreamedForm : IAsyncDisposable
{
    private const long OverheadBytes = 1 << 20;
    private const int MaxFieldLength = 8192;

    public Dictionary<string, string> Fields { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, SpooledFile> Files { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? Field(string name) => Fields.GetValueOrDefault(name) is { Length: > 0 } v ? v : null;

    /// <summary>Reads the request; on a bad request returns the problem to answer with instead.</summary>
    public static async Task<(StreamedForm? Form, ProblemHttpResult? Problem)> ReadAsync(
        HttpContext context, IReadOnlyCollection<string> fileFields, long maxBytes, DataDirectory data, CancellationToken ct)
    {
        var request = context.Request;
        if (!ApiTokenAuthenticationHandler.HasToken(request))
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            var header = context.RequestServices.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.HeaderName ?? "RequestVerificationToken";
            if (!request.Headers.ContainsKey(header) || !await antiforgery.IsRequestValidAsync(context))
            {
                return (null, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is invalid.",
                    detail: "Send an API token, or the antiforgery token in the RequestVerificationToken header."));
            }
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The request is invalid.",
                detail: $"Send multipart/form-data with the file field(s) {string.Join(", ", fileFields)}."));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = maxBytes + OverheadBytes;
        }

        var form = new StreamedForm();
        try
        {
            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (!disposition.IsFileDisposition())
                {
                    form.Fields[name] = await ReadFieldAsync(section.Body, ct);
                    continue;
                }

                if (!fileFields.Contains(name, StringComparer.OrdinalIgnoreCase) || form.Files.ContainsKey(name))
                {
                    continue;
                }

                var filename = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value ?? "";
                var path = System.IO.Path.Combine(data.Folder("tmp"), $"form-{Guid.NewGuid():N}");
                long length;
                await using (var file = File.Create(path))
                {
                    await section.Body.CopyToAsync(file, ct);
                    length = file.Length;
                }

                form.Files[name] = new SpooledFile(name, System.IO.Path.GetFileName(filename.Replace('\\', '/')), path, length);
            }

            return (form, null);
        }
        catch
        {
            await form.DisposeAsync();
            throw;
        }
    }

    /// <summary>The upload id in an <c>upload_id</c> field, which may be the id or the upload's API url; empty when neither.</summary>
    public static Guid UploadIdOf(string uploadText) =>
        Guid.TryParse(uploadText.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(), out var id) ? id : Guid.Empty;

    /// <summary>
    /// Hands the actor's finished resumable upload named by <paramref name="uploadText"/> to <paramref name="consume"/> as
    /// (content, file name), and deletes the upload when that succeeded. Null with a message when there is no such upload.
    /// </summary>
    public static async Task<(Result<T>? Result, string? UploadError)> ConsumeUploadAsync<T>(
        IUploadService uploads, Actor actor, string uploadText, Func<Stream, string, Task<Result<T>>> consume, CancellationToken ct)
    {
        var uploadId = UploadIdOf(uploadText);
        var opened = await uploads.OpenCompletedAsync(actor, uploadId, ct);
        if (opened.NotFound || !opened.Succeeded)
        {
            return (null, opened.NotFound ? "No finished upload of yours has that upload_id." : opened.Error!);
        }

        Result<T> result;
        await using (var upload = opened.Value!)
        {
            result = await consume(upload.Content, upload.Info.Filename);
        }

        if (result.Succeeded)
        {
            await uploads.DeleteAsync(actor, uploadId, ct);
        }

        return (result, null);
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body);
        var buffer = new char[MaxFieldLength + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        if (read > MaxFieldLength)
        {
            throw new BadHttpRequestException($"A form field is longer than {MaxFieldLength} characters.");
        }

        return new string(buffer, 0, read);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var file in Files.Values)
        {
            try
            {
                File.Delete(file.Path);
            }
            catch (IOException)
            {
            }
        }

        return ValueTask.CompletedTask;
    }
}

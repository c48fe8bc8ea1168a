using System.Text.Json;
using GrandChallenge.Domain.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrandChallenge.Web.Features.Api;

/// <summary>
/// DESIGN's API conventions: everything under <c>/api/v1/</c>, snake_case JSON, problem details for errors,
/// and <c>Content-Type: application/json</c> exactly (grand-challenge.org's client compares the header verbatim).
/// </summary>
public static class ApiConventions
{
    public const string Prefix = "/api/v1";

    public static readonly JsonSerializerOptions Json = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static bool IsApiRequest(HttpRequest request) => request.Path.StartsWithSegments(Prefix);

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }

    public static IHostApplicationBuilder AddApiFeature(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(o => Configure(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "GrandChallenge.NET API";
                document.Info.Description = "REST API of GrandChallenge.NET. Authenticate with `Authorization: Bearer <token>` (personal API token) or the browser's cookie.";

                // Every API route ends in '/' (clients of grand-challenge.org join paths that way); the generator drops it.
                var paths = new Microsoft.OpenApi.OpenApiPaths();
                foreach (var (path, item) in document.Paths)
                {
                    paths[path.EndsWith('/') ? path : path + "/"] = item;
                }

                document.Paths = paths;
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        app.UseWhen(
            context => IsApiRequest(context.Request),
            branch =>
            {
                branch.Use(async (context, next) =>
                {
                    context.Response.OnStarting(() =>
                    {
                        if (context.Response.ContentType?.StartsWith("application/json;", StringComparison.OrdinalIgnoreCase) == true)
                        {
                            context.Response.ContentType = "application/json";
                        }

                        return Task.CompletedTask;
                    });
                    await next(context);
                });
                branch.UseExceptionHandler();
                branch.UseStatusCodePages();
            });
        return app;
    }

    public static WebApplication MapApiEndpoints(this WebApplication app)
    {
        app.MapOpenApi(Prefix + "/openapi.json").AllowAnonymous();
        var api = app.MapGroup(Prefix);
        api.MapGet("/gcapi/", () => TypedResults.Ok(new GcapiVersions("0.15.1", "0.13.0")))
            .AllowAnonymous()
            .WithSummary("Client versions this server supports (grand-challenge.org's gcapi asks first).");
        Identity.UserApiEndpoints.Map(api);
        Jobs.JobApiEndpoints.Map(api);
        Components.SocketApiEndpoints.Map(api);
        Uploads.UploadApiEndpoints.Map(api);
        ContainerImages.ContainerImageApiEndpoints.Map(api);
        Challenges.ChallengeApiEndpoints.Map(api);
        Evaluation.EvaluationApiEndpoints.Map(api);
        Cases.UploadSessionApiEndpoints.Map(api);
        Archives.ArchiveApiEndpoints.Map(api);
        Algorithms.AlgorithmApiEndpoints.Map(api);
        Algorithms.AlgorithmJobApiEndpoints.Map(api);
        Algorithms.AlgorithmPhaseApiEndpoints.Map(api);
        Cases.ImageApiEndpoints.Map(api);
        Cases.ImageSliceApiEndpoints.Map(api);
        return app;
    }

    /// <summary>The problem answering a failed domain result: 404, 403, or 400 with its field errors.</summary>
    public static ProblemHttpResult Problem<T>(Result<T> result) => result.Kind switch
    {
        FailureKind.NotFound => NotFound(result.Error!),
        FailureKind.Forbidden => Forbidden(result.Error!),
        _ => Invalid(result.FieldErrors, result.Error!),
    };

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: detail);

    /// <summary>A 400 problem whose <c>errors</c> name the offending fields.</summary>
    public static ProblemHttpResult Invalid(IReadOnlyDictionary<string, string[]>? fieldErrors, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(fieldErrors?.ToDictionary() ?? new Dictionary<string, string[]> { ["non_field_errors"] = [message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = message,
        });

    private sealed record GcapiVersions(string LatestVersion, string LowestSupportedVersion);
}

/// <summary>Turns bad requests and broken domain rules on API routes into problem details with a clear message.</summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!ApiConventions.IsApiRequest(context.Request))
        {
            return false;
        }

        var (status, title, detail) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read.", Describe(bad)),
            DomainException domain => (StatusCodes.Status400BadRequest, "The request is invalid.", domain.Message),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred.", (string?)null),
        };

        context.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    private static string Describe(BadHttpRequestException exception) =>
        exception.InnerException is JsonException json
            ? $"The body is not valid JSON for this endpoint: {json.Message}"
            : exception.Message;
}

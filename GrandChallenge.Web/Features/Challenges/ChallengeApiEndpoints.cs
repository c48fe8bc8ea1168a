using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Features.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using static GrandChallenge.Web.Features.Api.ApiRequests;

namespace GrandChallenge.Web.Features.Challenges;

/// <summary>
/// <c>/api/v1/challenges/</c> with grand-challenge.org's field names where it has them, plus what it keeps out of its API:
/// creation, challenge requests and registration requests. A hidden challenge answers 404 to everyone but its members.
/// </summary>
public static class ChallengeApiEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var challenges = api.MapGroup("/challenges").WithTags("Challenges");
        challenges.MapGet("/", ListAsync).AllowAnonymous().WithSummary("Challenges the caller may see, newest first.");
        challenges.MapPost("/", CreateAsync).RequireAuthorization()
            .WithSummary("Create a challenge (site admins; everyone else files a challenge request).");
        challenges.MapGet("/requests/", ListRequestsAsync).RequireAuthorization()
            .WithSummary("Challenge requests: all of them for site admins, your own for everyone else.");
        challenges.MapPost("/requests/", CreateRequestAsync).RequireAuthorization().WithSummary("Ask for a new challenge.");
        challenges.MapGet("/{shortName}/", GetAsync).AllowAnonymous().WithSummary("One challenge by short name.");
        challenges.MapPatch("/{shortName}/", UpdateAsync).RequireAuthorization().WithSummary("Change a challenge's settings (its admins).");
        challenges.MapGet("/{shortName}/logo/", (string shortName, ClaimsPrincipal user, IChallengeService service, CancellationToken ct) =>
            ImageAsync(shortName, ChallengeImageKind.Logo, user, service, ct)).AllowAnonymous().WithSummary("The challenge's logo (PNG or JPEG).");
        challenges.MapGet("/{shortName}/banner/", (string shortName, ClaimsPrincipal user, IChallengeService service, CancellationToken ct) =>
            ImageAsync(shortName, ChallengeImageKind.Banner, user, service, ct)).AllowAnonymous().WithSummary("The challenge's banner (PNG or JPEG).");
        challenges.MapPut("/{shortName}/logo/", (string shortName, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, IChallengeService service, CancellationToken ct) =>
                SetImageAsync(shortName, ChallengeImageKind.Logo, request, user, access, service, ct))
            .RequireAuthorization().DisableAntiforgery()
            .WithSummary("Replace the logo (its admins): the PNG or JPEG as the body, or as multipart field `file`.");
        challenges.MapPut("/{shortName}/banner/", (string shortName, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, IChallengeService service, CancellationToken ct) =>
                SetImageAsync(shortName, ChallengeImageKind.Banner, request, user, access, service, ct))
            .RequireAuthorization().DisableAntiforgery()
            .WithSummary("Replace the banner (its admins): the PNG or JPEG as the body, or as multipart field `file`.");
        challenges.MapGet("/{shortName}/registration-requests/", ListRegistrationsAsync).RequireAuthorization()
            .WithSummary("Registration requests: all of them for the challenge's admins, your own for everyone else.");
        challenges.MapPost("/{shortName}/registration-requests/", RegisterAsync).RequireAuthorization()
            .WithSummary("Ask to join the challenge, with answers to its registration questions: [{\"question\": id or text, \"answer\": JSON}].");
        api.MapPatch("/registration-requests/{id:guid}/", DecideAsync).RequireAuthorization().WithTags("Challenges")
            .WithSummary("Accept or reject a registration request (the challenge's admins): {\"status\": \"accepted\" | \"rejected\"}.");
    }

    /// <summary>A challenge; <c>slug</c> and <c>short_name</c> are the same, <c>public</c> is the opposite of <c>hidden</c>.</summary>
    public sealed record ChallengeDto(
        Guid Pk,
        string ApiUrl,
        string Url,
        string Slug,
        string ShortName,
        string Title,
        string Description,
        bool Public,
        bool Hidden,
        string? ContactEmail,
        string? Logo,
        string? Banner,
        DateTimeOffset? StartDate,
        DateTimeOffset? EndDate,
        string AccessRequestHandling,
        DateTimeOffset Created,
        DateTimeOffset Modified);

    /// <summary>A new challenge. <c>hidden</c> defaults to true, as on grand-challenge.org: show it once it is ready.</summary>
    public sealed record CreateChallengeBody(
        string? ShortName,
        string? Title,
        string? Description,
        string? ContactEmail,
        bool? Hidden,
        DateTimeOffset? StartDate,
        DateTimeOffset? EndDate,
        string? AccessRequestHandling);

    public sealed record ChallengeRequestBody(string? ShortName, string? Title, string? Description, string? ContactEmail);

    public sealed record ChallengeRequestDto(
        Guid Pk, string ShortName, string Title, string Description, string? ContactEmail, string Creator, string Status, string ReviewNote,
        string? Challenge, DateTimeOffset Created, DateTimeOffset Modified);

    public sealed record AnswerBody(string? Question, JsonNode? Answer);

    public sealed record RegistrationBody(List<AnswerBody>? Answers);

    public sealed record DecisionBody(string? Status);

    public sealed record AnswerDto(Guid Question, string QuestionText, JsonNode? Answer);

    public sealed record RegistrationRequestDto(
        Guid Pk, string ApiUrl, string Challenge, string User, string Status, IReadOnlyList<AnswerDto> Answers, DateTimeOffset Created, DateTimeOffset Modified);

    private static readonly HashSet<string> ReadOnlyFields = ["pk", "api_url", "url", "slug", "public", "logo", "banner", "created", "modified"];

    private static async Task<Ok<Paginated<ChallengeDto>>> ListAsync(
        HttpRequest request, ClaimsPrincipal user, IChallengeQueries queries, IChallengeAccess access, CancellationToken ct)
    {
        var actor = Actor.From(user);
        var summaries = await queries.ListVisibleAsync(actor, ct);
        var page = summaries.Page(request);
        var results = new List<ChallengeDto>();
        foreach (var summary in page.Results)
        {
            if (await access.FindAsync(actor, summary.Id, ct) is { } context)
            {
                results.Add(ToDto(request, context.Challenge));
            }
        }

        return TypedResults.Ok(new Paginated<ChallengeDto>(page.Count, page.Next, page.Previous, results));
    }

    private static async Task<Results<Created<ChallengeDto>, ProblemHttpResult>> CreateAsync(
        CreateChallengeBody body, HttpRequest request, ClaimsPrincipal user, IChallengeService challenges, CancellationToken ct)
    {
        var handling = RegistrationHandling.ManualReview;
        if (body.AccessRequestHandling is { } text && !TryParseHandling(text, out handling))
        {
            return ApiConventions.Invalid(new Dictionary<string, string[]> { ["access_request_handling"] = [HandlingError(text)] }, HandlingError(text));
        }

        var result = await challenges.CreateAsync(Actor.From(user), new NewChallenge(
            body.ShortName, body.Title, body.Description, body.ContactEmail, body.Hidden ?? true, body.StartDate, body.EndDate, handling), ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<ChallengeDto>, ProblemHttpResult>> GetAsync(
        string shortName, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, CancellationToken ct) =>
        await access.FindAsync(Actor.From(user), shortName, ct) is { } context
            ? TypedResults.Ok(ToDto(request, context.Challenge))
            : ApiConventions.NotFound(ChallengeService.NotFoundMessage);

    private static async Task<Results<Ok<ChallengeDto>, ProblemHttpResult>> UpdateAsync(
        string shortName, JsonObject body, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, IChallengeService challenges, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return ApiConventions.NotFound(ChallengeService.NotFoundMessage);
        }

        if (!context.IsAdmin)
        {
            return ApiConventions.Forbidden(ChallengeService.NotAdminMessage);
        }

        var settings = ChallengeSettings.Of(context.Challenge);
        var errors = new FieldErrors();
        foreach (var (key, value) in body)
        {
            switch (key)
            {
                case "title":
                    settings = settings with { Title = ReadString(value, key, errors, nullable: false) };
                    break;
                case "description":
                    settings = settings with { Description = ReadString(value, key, errors, nullable: false) ?? "" };
                    break;
                case "contact_email":
                    settings = settings with { ContactEmail = ReadString(value, key, errors, nullable: true) };
                    break;
                case "hidden":
                    if (ReadBool(value, key, errors) is { } hidden)
                    {
                        settings = settings with { Hidden = hidden };
                    }

                    break;
                case "start_date":
                    settings = settings with { StartsAt = ReadDate(value, key, errors) };
                    break;
                case "end_date":
                    settings = settings with { EndsAt = ReadDate(value, key, errors) };
                    break;
                case "access_request_handling":
                    var text = ReadString(value, key, errors, nullable: false);
                    if (text is not null && !errors.Has(key))
                    {
                        if (TryParseHandling(text, out var handling))
                        {
                            settings = settings with { RegistrationHandling = handling };
                        }
                        else
                        {
                            errors.Add(key, HandlingError(text));
                        }
                    }

                    break;
                case "short_name":
                    if (value?.GetValueKind() != JsonValueKind.String || ChallengeRules.NormalizeShortName(value.GetValue<string>()) != context.Challenge.ShortName)
                    {
                        errors.Add(key, "The short name is the challenge's address and cannot be changed.");
                    }

                    break;
                default:
                    if (!ReadOnlyFields.Contains(key))
                    {
                        errors.Add(key, $"'{key}' is not a field of a challenge.");
                    }

                    break;
            }
        }

        if (errors.Any)
        {
            return ApiConventions.Problem(errors.ToResult<bool>());
        }

        var result = await challenges.UpdateAsync(actor, context.Challenge.Id, settings, ct);
        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<ChallengeDto>, ProblemHttpResult>> SetImageAsync(
        string shortName, ChallengeImageKind kind, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, IChallengeService service,
        CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return ApiConventions.NotFound(ChallengeService.NotFoundMessage);
        }

        var field = kind == ChallengeImageKind.Logo ? "logo" : "banner";
        Result<Challenge> result;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            if (form.Files.GetFile("file") is not { } file)
            {
                return ApiConventions.Invalid(new Dictionary<string, string[]> { ["file"] = [$"Send the {field} as the multipart field 'file'."] }, $"No {field} was sent.");
            }

            await using var content = file.OpenReadStream();
            result = await service.SetImageAsync(actor, context.Challenge.Id, kind, content, ct);
        }
        else
        {
            result = await service.SetImageAsync(actor, context.Challenge.Id, kind, request.Body, ct);
        }

        return result.Succeeded ? TypedResults.Ok(ToDto(request, result.Value!)) : ApiConventions.Problem(result);
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ImageAsync(
        string shortName, ChallengeImageKind kind, ClaimsPrincipal user, IChallengeService service, CancellationToken ct)
    {
        var image = await service.OpenImageAsync(Actor.From(user), shortName, kind, ct);
        return PictureResults.Send(image, $"This challenge has no {kind.ToString().ToLowerInvariant()}, or it is hidden from you.");
    }

    private static async Task<Ok<Paginated<ChallengeRequestDto>>> ListRequestsAsync(
        HttpRequest request, ClaimsPrincipal user, IChallengeRequestService requests, CancellationToken ct)
    {
        var list = await requests.ListAsync(Actor.From(user), ct);
        return TypedResults.Ok(list.Select(ToDto).ToList().Page(request));
    }

    private static async Task<Results<Created<ChallengeRequestDto>, ProblemHttpResult>> CreateRequestAsync(
        ChallengeRequestBody body, ClaimsPrincipal user, IChallengeRequestService requests, CancellationToken ct)
    {
        var result = await requests.CreateAsync(Actor.From(user), new NewChallengeRequest(body.ShortName, body.Title, body.Description, body.ContactEmail), ct);
        return result.Succeeded
            ? TypedResults.Created($"{ApiConventions.Prefix}/challenges/requests/", ToDto(result.Value!))
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<Ok<Paginated<RegistrationRequestDto>>, ProblemHttpResult>> ListRegistrationsAsync(
        string shortName, HttpRequest request, ClaimsPrincipal user, IChallengeAccess access, IRegistrationService registrations, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return ApiConventions.NotFound(ChallengeService.NotFoundMessage);
        }

        var result = await registrations.ListAsync(actor, context.Challenge.Id, ct);
        return result.Succeeded
            ? TypedResults.Ok(result.Value!.Select(v => ToDto(request, v)).ToList().Page(request))
            : ApiConventions.Problem(result);
    }

    private static async Task<Results<Created<RegistrationRequestDto>, ProblemHttpResult>> RegisterAsync(
        string shortName, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RegistrationBody? body, HttpRequest request, ClaimsPrincipal user,
        IChallengeAccess access, IRegistrationService registrations, CancellationToken ct)
    {
        var actor = Actor.From(user);
        if (await access.FindAsync(actor, shortName, ct) is not { } context)
        {
            return ApiConventions.NotFound(ChallengeService.NotFoundMessage);
        }

        var answers = (body?.Answers ?? []).Select(a => new AnswerDraft(a.Question ?? "", a.Answer?.ToJsonString() ?? "")).ToList();
        var result = await registrations.RegisterAsync(actor, context.Challenge.Id, answers, ct);
        if (!result.Succeeded)
        {
            return ApiConventions.Problem(result);
        }

        var dto = ToDto(request, result.Value!);
        return TypedResults.Created(dto.ApiUrl, dto);
    }

    private static async Task<Results<Ok<RegistrationRequestDto>, ProblemHttpResult>> DecideAsync(
        Guid id, DecisionBody body, HttpRequest request, ClaimsPrincipal user, IRegistrationService registrations, CancellationToken ct)
    {
        var status = (body.Status ?? "").Trim().ToLowerInvariant() switch
        {
            "accepted" or "acpt" => RequestStatus.Accepted,
            "rejected" or "rjct" => RequestStatus.Rejected,
            _ => (RequestStatus?)null,
        };
        var result = await registrations.DecideAsync(Actor.From(user), id, status ?? RequestStatus.Pending, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(ToDto(request, result.Value!));
        }

        // Whether the request exists is answered first; a wrong status only matters to those who may decide.
        return status is null && result.Kind == FailureKind.Invalid
            ? ApiConventions.Invalid(new Dictionary<string, string[]> { ["status"] = ["The status must be \"accepted\" or \"rejected\"."] },
                "The status must be \"accepted\" or \"rejected\".")
            : ApiConventions.Problem(result);
    }

    public static ChallengeDto ToDto(HttpRequest request, Challenge c)
    {
        var root = $"{request.Scheme}://{request.Host}{request.PathBase}";
        return new ChallengeDto(
            c.Id,
            $"{root}{ApiConventions.Prefix}/challenges/{c.ShortName}/",
            $"{root}/challenges/{c.ShortName}",
            c.ShortName,
            c.ShortName,
            c.Title,
            c.Description,
            !c.Hidden,
            c.Hidden,
            c.ContactEmail,
            ChallengesFeature.ImageUrl(c.ShortName, "logo", c.LogoBlobKey) is { } logo ? root + logo : null,
            ChallengesFeature.ImageUrl(c.ShortName, "banner", c.BannerBlobKey) is { } banner ? root + banner : null,
            c.StartsAt,
            c.EndsAt,
            JsonNamingPolicy.SnakeCaseLower.ConvertName(c.RegistrationHandling.ToString()),
            c.Created,
            c.Modified);
    }

    private static ChallengeRequestDto ToDto(ChallengeRequestView r) => new(
        r.Id, r.ShortName, r.Title, r.Description, r.ContactEmail, r.CreatorUsername, StatusName(r.Status), r.ReviewNote,
        r.ChallengeId is null ? null : r.ShortName, r.Created, r.Modified);

    private static RegistrationRequestDto ToDto(HttpRequest request, RegistrationView v) => new(
        v.Id,
        $"{request.Scheme}://{request.Host}{request.PathBase}{ApiConventions.Prefix}/registration-requests/{v.Id}/",
        v.ChallengeShortName,
        v.Username,
        StatusName(v.Status),
        v.Answers.Select(a => new AnswerDto(a.QuestionId, a.QuestionText, a.AnswerJson.Length == 0 ? null : JsonNode.Parse(a.AnswerJson))).ToList(),
        v.Created,
        v.Modified);

    private static string StatusName(RequestStatus status) => status.ToString().ToLowerInvariant();

    internal static bool TryParseHandling(string text, out RegistrationHandling handling)
    {
        var key = text.Replace("_", "").Replace("-", "").Trim();
        foreach (var value in Enum.GetValues<RegistrationHandling>())
        {
            if (string.Equals(value.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                handling = value;
                return true;
            }
        }

        handling = RegistrationHandling.ManualReview;
        return false;
    }

    private static string HandlingError(string text) =>
        $"'{text}' is not a way to handle registrations; use manual_review, accept_verified_users or accept_all.";

    private static string? ReadString(JsonNode? value, string key, FieldErrors errors, bool nullable)
    {
        if (value is null)
        {
            if (!nullable)
            {
                errors.Add(key, $"{key} may not be null.");
            }

            return null;
        }

        if (value.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(key, $"{key} must be a string.");
            return null;
        }

        return value.GetValue<string>();
    }

    private static DateTimeOffset? ReadDate(JsonNode? value, string key, FieldErrors errors)
    {
        if (value is null)
        {
            return null;
        }

        if (value.GetValueKind() == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
        {
            return date.ToUniversalTime();
        }

        errors.Add(key, $"{key} must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z, or null.");
        return null;
    }
}

using System.Text.Json;
using GrandChallenge.Domain.Evaluations;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>A phase as the API shows it; names follow the challenges issue and grand-challenge.org.</summary>
public sealed record PhaseDto(
    Guid Pk,
    string ApiUrl,
    string Challenge,
    string Title,
    string Slug,
    string SubmissionKind,
    bool Public,
    Guid? Parent,
    DateTimeOffset? OpenAt,
    DateTimeOffset? CloseAt,
    int SubmissionLimit,
    int? SubmissionLimitPeriodDays,
    bool LimitPerTeam,
    string SubmissionPageMarkdown,
    string SupplementaryFileChoice,
    string SupplementaryUrlChoice,
    string CommentChoice,
    bool ShowParticipantLogs,
    string ScoreTitle,
    string ScoreJsonpath,
    string? ScoreErrorJsonpath,
    string ScoreDefaultSort,
    int ScoreDecimalPlaces,
    IReadOnlyList<ExtraResultsColumnDto> ExtraResultsColumns,
    string ScoringMethodChoice,
    string ResultDisplay,
    bool AutoPublishNewResults,
    int EvaluationTimeLimitSeconds,
    int EvaluationMemoryGb,
    Guid? Archive,
    IReadOnlyList<int> AlgorithmInterfaces,
    int AlgorithmTimeLimit,
    int AlgorithmMaximumSettableMemoryGb,
    bool GiveAlgorithmEditorsJobViewPermissions,
    DateTimeOffset Created)
{
    public static PhaseDto From(HttpRequest request, Phase p, string challengeShortName) => new(
        p.Id, ApiUrls.Of(request, $"phases/{p.Id}/"), challengeShortName, p.Title, p.Slug, p.SubmissionKind.ToString().ToLowerInvariant(), p.Public,
        p.ParentId, p.OpenAt, p.CloseAt, p.SubmissionLimit, p.SubmissionLimitPeriodDays, p.LimitPerTeam, p.SubmissionPageMarkdown,
        PhaseJson.Choice(p.SupplementaryFileChoice), PhaseJson.Choice(p.SupplementaryUrlChoice), PhaseJson.Choice(p.CommentChoice), p.ShowParticipantLogs,
        p.ScoreTitle, p.ScorePath, p.ScoreErrorPath, PhaseJson.Order(p.ScoreOrder), p.ScoreDecimalPlaces,
        [.. p.ExtraResultColumns.Select(c => new ExtraResultsColumnDto(c.Path, c.Title, PhaseJson.Order(c.Order), c.ExcludeFromRanking, c.ErrorPath))],
        PhaseJson.Method(p.ScoringMethod), PhaseJson.Display(p.ResultDisplay), p.AutoPublishNewResults, p.EvaluationTimeLimitSeconds,
        p.EvaluationMemoryGb, p.ArchiveId, p.AlgorithmInterfaceIds, p.AlgorithmTimeLimitSeconds, p.AlgorithmMaxMemoryGb,
        p.GiveAlgorithmEditorsJobViewPermissions, p.Created);
}

public sealed record ExtraResultsColumnDto(string Path, string Title, string Order, bool ExcludeFromRanking, string? ErrorPath);

public static class ApiUrls
{
    public static string Of(HttpRequest request, string path) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{Api.ApiConventions.Prefix}/{path}";
}

/// <summary>Reads phase settings from a JSON object, strictly: unknown fields and wrong types are errors, absent fields stay unchanged.</summary>
public static class PhaseJson
{
    public static string Choice(FieldChoice c) => c switch { FieldChoice.Off => "off", FieldChoice.Optional => "optional", _ => "required" };

    public static string Order(SortOrder o) => o == SortOrder.Ascending ? "asc" : "desc";

    public static string Method(ScoringMethod m) => m switch { ScoringMethod.Absolute => "absolute", ScoringMethod.MeanPosition => "mean", _ => "median" };

    public static string Display(ResultDisplay d) => d switch { ResultDisplay.All => "all", ResultDisplay.MostRecent => "most_recent", _ => "best" };

    public static (PhaseSettings? Settings, Dictionary<string, string[]> Errors) Read(JsonElement body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["non_field_errors"] = ["Send a JSON object."];
            return (null, errors);
        }

        var s = new PhaseSettings();
        foreach (var property in body.EnumerateObject())
        {
            var v = property.Value;
            var isNull = v.ValueKind == JsonValueKind.Null;
            try
            {
                s = property.Name switch
                {
                    "title" => s with { Title = Text(v) },
                    "submission_kind" => s with { SubmissionKind = Enum(v, ("predictions", SubmissionKind.Predictions), ("algorithm", SubmissionKind.Algorithm)) },
                    "public" => s with { Public = v.GetBoolean() },
                    "parent" => isNull ? s with { ClearParent = true } : s with { ParentId = v.GetGuid() },
                    "open_at" => isNull ? s with { ClearOpenAt = true } : s with { OpenAt = v.GetDateTimeOffset() },
                    "close_at" => isNull ? s with { ClearCloseAt = true } : s with { CloseAt = v.GetDateTimeOffset() },
                    "submission_limit" => s with { SubmissionLimit = v.GetInt32() },
                    "submission_limit_period_days" => isNull ? s with { AllTimeLimitPeriod = true } : s with { SubmissionLimitPeriodDays = v.GetInt32() },
                    "limit_per_team" => s with { LimitPerTeam = v.GetBoolean() },
                    "submission_page_markdown" => s with { SubmissionPageMarkdown = Text(v) },
                    "supplementary_file_choice" => s with { SupplementaryFileChoice = ChoiceOf(v) },
                    "supplementary_url_choice" => s with { SupplementaryUrlChoice = ChoiceOf(v) },
                    "comment_choice" => s with { CommentChoice = ChoiceOf(v) },
                    "show_participant_logs" => s with { ShowParticipantLogs = v.GetBoolean() },
                    "score_title" => s with { ScoreTitle = Text(v) },
                    "score_jsonpath" => s with { ScorePath = Text(v) },
                    "score_error_jsonpath" => s with { ScoreErrorPath = isNull ? "" : Text(v) },
                    "score_default_sort" => s with { ScoreOrder = OrderOf(v) },
                    "score_decimal_places" => s with { ScoreDecimalPlaces = v.GetInt32() },
                    "extra_results_columns" => s with { ExtraResultColumns = Columns(v) },
                    "scoring_method_choice" => s with
                    {
                        ScoringMethod = Enum(v, ("absolute", ScoringMethod.Absolute), ("abs", ScoringMethod.Absolute), ("mean", ScoringMethod.MeanPosition),
                            ("avg", ScoringMethod.MeanPosition), ("median", ScoringMethod.MedianPosition), ("med", ScoringMethod.MedianPosition)),
                    },
                    "result_display" or "result_display_choice" => s with
                    {
                        ResultDisplay = Enum(v, ("all", ResultDisplay.All), ("most_recent", ResultDisplay.MostRecent), ("rec", ResultDisplay.MostRecent),
                            ("best", ResultDisplay.Best), ("bst", ResultDisplay.Best)),
                    },
                    "auto_publish_new_results" => s with { AutoPublishNewResults = v.GetBoolean() },
                    "evaluation_time_limit_seconds" => s with { EvaluationTimeLimitSeconds = v.GetInt32() },
                    "evaluation_memory_gb" => s with { EvaluationMemoryGb = v.GetInt32() },
                    "archive" => s with { Archive = isNull ? "" : Text(v) },
                    "algorithm_interfaces" => s with { AlgorithmInterfaces = Interfaces(v) },
                    "algorithm_time_limit" => s with { AlgorithmTimeLimitSeconds = v.GetInt32() },
                    "algorithm_maximum_settable_memory_gb" => s with { AlgorithmMaxMemoryGb = v.GetInt32() },
                    "give_algorithm_editors_job_view_permissions" => s with { GiveAlgorithmEditorsJobViewPermissions = v.GetBoolean() },
                    "pk" or "api_url" or "challenge" or "slug" or "created" => s,
                    _ => throw new FieldException("Unknown field."),
                };
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or FieldException or OverflowException)
            {
                errors[property.Name] = [e is FieldException ? e.Message : $"The value of '{property.Name}' has the wrong type or format."];
            }
        }

        return (errors.Count == 0 ? s : null, errors);
    }

    private sealed class FieldException(string message) : Exception(message);

    private static string Text(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FieldException("Expected a string.");

    private static T Enum<T>(JsonElement v, params (string Name, T Value)[] options)
    {
        var text = Text(v).ToLowerInvariant();
        foreach (var (name, value) in options)
        {
            if (name == text)
            {
                return value;
            }
        }

        throw new FieldException($"Choose one of: {string.Join(", ", options.Select(o => o.Name).Distinct())}.");
    }

    private static FieldChoice ChoiceOf(JsonElement v) =>
        Enum(v, ("off", FieldChoice.Off), ("optional", FieldChoice.Optional), ("opt", FieldChoice.Optional), ("required", FieldChoice.Required), ("req", FieldChoice.Required));

    private static SortOrder OrderOf(JsonElement v) => Enum(v, ("asc", SortOrder.Ascending), ("desc", SortOrder.Descending));

    private static List<PhaseInterfaceSetting> Interfaces(JsonElement v)
    {
        const string Shape = "Expected a list of interfaces, each {\"inputs\": [socket slugs], \"outputs\": [socket slugs]}.";
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new FieldException(Shape);
        }

        static List<string> Slugs(JsonElement item, string name) =>
            item.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
                ? [.. list.EnumerateArray().Select(x => x.GetString()!.Trim())]
                : throw new FieldException(Shape);

        return [.. v.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Object
            ? new PhaseInterfaceSetting(Slugs(item, "inputs"), Slugs(item, "outputs"))
            : throw new FieldException(Shape))];
    }

    private static List<ExtraResultColumn> Columns(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new FieldException("Expected a list of columns with path, title and order.");
        }

        var columns = new List<ExtraResultColumn>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("path", out var path) || !item.TryGetProperty("title", out var title) || !item.TryGetProperty("order", out var order))
            {
                throw new FieldException("Each column needs path, title and order (asc or desc).");
            }

            var exclude = item.TryGetProperty("exclude_from_ranking", out var x) && x.ValueKind == JsonValueKind.True;
            var errorPath = item.TryGetProperty("error_path", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            columns.Add(new ExtraResultColumn(Text(path), Text(title), OrderOf(order), exclude, errorPath));
        }

        return columns;
    }
}

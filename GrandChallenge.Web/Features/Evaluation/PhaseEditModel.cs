using GrandChallenge.Domain.Evaluations;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>
/// Every setting of a phase as the admin page edits it. The service checks the values; this model only turns the
/// form's text into <see cref="PhaseSettings"/> (dates typed as UTC, an empty period meaning "all time").
/// </summary>
public sealed class PhaseEditModel
{
    public string Title { get; set; } = "";
    public SubmissionKind SubmissionKind { get; set; }
    public bool Public { get; set; }
    public Guid? ParentId { get; set; }
    public string OpenAt { get; set; } = "";
    public string CloseAt { get; set; } = "";
    public int SubmissionLimit { get; set; }
    public int? SubmissionLimitPeriodDays { get; set; }
    public bool LimitPerTeam { get; set; }
    public string SubmissionPageMarkdown { get; set; } = "";
    public FieldChoice SupplementaryFileChoice { get; set; }
    public FieldChoice SupplementaryUrlChoice { get; set; }
    public FieldChoice CommentChoice { get; set; }
    public bool ShowParticipantLogs { get; set; }
    public string ScoreTitle { get; set; } = "";
    public string ScorePath { get; set; } = "";
    public string ScoreErrorPath { get; set; } = "";
    public SortOrder ScoreOrder { get; set; }
    public int ScoreDecimalPlaces { get; set; }
    public List<ExtraColumnEditModel> ExtraResultColumns { get; set; } = [];
    public ScoringMethod ScoringMethod { get; set; }
    public ResultDisplay ResultDisplay { get; set; }
    public bool AutoPublishNewResults { get; set; }
    public int EvaluationTimeLimitSeconds { get; set; }
    public int EvaluationMemoryGb { get; set; }
    /// <summary>Algorithm phases: the archive's slug.</summary>
    public string Archive { get; set; } = "";
    /// <summary>Algorithm phases: one interface per line, <c>input-slug, input-slug -&gt; output-slug</c>.</summary>
    public string AlgorithmInterfaces { get; set; } = "";
    public int AlgorithmTimeLimitSeconds { get; set; }
    public int AlgorithmMaxMemoryGb { get; set; }
    public bool GiveAlgorithmEditorsJobViewPermissions { get; set; }

    public static string InterfaceLine(IEnumerable<string> inputs, IEnumerable<string> outputs) =>
        $"{string.Join(", ", inputs)} -> {string.Join(", ", outputs)}";

    public static PhaseEditModel From(Phase phase) => new()
    {
        Title = phase.Title,
        SubmissionKind = phase.SubmissionKind,
        Public = phase.Public,
        ParentId = phase.ParentId,
        OpenAt = UtcInput.Of(phase.OpenAt),
        CloseAt = UtcInput.Of(phase.CloseAt),
        SubmissionLimit = phase.SubmissionLimit,
        SubmissionLimitPeriodDays = phase.SubmissionLimitPeriodDays,
        LimitPerTeam = phase.LimitPerTeam,
        SubmissionPageMarkdown = phase.SubmissionPageMarkdown,
        SupplementaryFileChoice = phase.SupplementaryFileChoice,
        SupplementaryUrlChoice = phase.SupplementaryUrlChoice,
        CommentChoice = phase.CommentChoice,
        ShowParticipantLogs = phase.ShowParticipantLogs,
        ScoreTitle = phase.ScoreTitle,
        ScorePath = phase.ScorePath,
        ScoreErrorPath = phase.ScoreErrorPath ?? "",
        ScoreOrder = phase.ScoreOrder,
        ScoreDecimalPlaces = phase.ScoreDecimalPlaces,
        ExtraResultColumns = [.. phase.ExtraResultColumns.Select(ExtraColumnEditModel.From)],
        ScoringMethod = phase.ScoringMethod,
        ResultDisplay = phase.ResultDisplay,
        AutoPublishNewResults = phase.AutoPublishNewResults,
        EvaluationTimeLimitSeconds = phase.EvaluationTimeLimitSeconds,
        EvaluationMemoryGb = phase.EvaluationMemoryGb,
        AlgorithmTimeLimitSeconds = phase.AlgorithmTimeLimitSeconds,
        AlgorithmMaxMemoryGb = phase.AlgorithmMaxMemoryGb,
        GiveAlgorithmEditorsJobViewPermissions = phase.GiveAlgorithmEditorsJobViewPermissions,
    };

    /// <summary>The settings to save, or the fields whose text could not be read (keys as the service names them).</summary>
    public (PhaseSettings? Settings, Dictionary<string, string[]> Errors) ToSettings()
    {
        var errors = new Dictionary<string, string[]>();
        if (!UtcInput.TryParse(OpenAt, out var open))
        {
            errors["open_at"] = ["Give a date and time, or leave it empty for no bound."];
        }

        if (!UtcInput.TryParse(CloseAt, out var close))
        {
            errors["close_at"] = ["Give a date and time, or leave it empty for no bound."];
        }

        var interfaces = new List<PhaseInterfaceSetting>();
        foreach (var line in (AlgorithmInterfaces ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var sides = line.Split("->", StringSplitOptions.TrimEntries);
            static List<string> Slugs(string side) => [.. side.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            if (sides.Length != 2)
            {
                errors["algorithm_interfaces"] = ["Write one interface per line: input slugs, comma-separated, then ->, then output slugs."];
                break;
            }

            interfaces.Add(new PhaseInterfaceSetting(Slugs(sides[0]), Slugs(sides[1])));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var algorithm = SubmissionKind == SubmissionKind.Algorithm;

        return (new PhaseSettings
        {
            Title = Title,
            SubmissionKind = SubmissionKind,
            Public = Public,
            ParentId = ParentId,
            ClearParent = ParentId is null,
            OpenAt = open,
            ClearOpenAt = open is null,
            CloseAt = close,
            ClearCloseAt = close is null,
            SubmissionLimit = SubmissionLimit,
            SubmissionLimitPeriodDays = SubmissionLimitPeriodDays,
            AllTimeLimitPeriod = SubmissionLimitPeriodDays is null,
            LimitPerTeam = LimitPerTeam,
            SubmissionPageMarkdown = SubmissionPageMarkdown ?? "",
            SupplementaryFileChoice = SupplementaryFileChoice,
            SupplementaryUrlChoice = SupplementaryUrlChoice,
            CommentChoice = CommentChoice,
            ShowParticipantLogs = ShowParticipantLogs,
            ScoreTitle = ScoreTitle ?? "",
            ScorePath = ScorePath ?? "",
            ScoreErrorPath = ScoreErrorPath ?? "",
            ScoreOrder = ScoreOrder,
            ScoreDecimalPlaces = ScoreDecimalPlaces,
            ExtraResultColumns = [.. ExtraResultColumns.Select(c => c.ToColumn())],
            ScoringMethod = ScoringMethod,
            ResultDisplay = ResultDisplay,
            AutoPublishNewResults = AutoPublishNewResults,
            EvaluationTimeLimitSeconds = EvaluationTimeLimitSeconds,
            EvaluationMemoryGb = EvaluationMemoryGb,
            // The algorithm links are left alone on a prediction phase's form, where they are not shown.
            Archive = algorithm ? (Archive ?? "").Trim() : null,
            AlgorithmInterfaces = algorithm ? interfaces : null,
            AlgorithmTimeLimitSeconds = AlgorithmTimeLimitSeconds,
            AlgorithmMaxMemoryGb = AlgorithmMaxMemoryGb,
            GiveAlgorithmEditorsJobViewPermissions = GiveAlgorithmEditorsJobViewPermissions,
        }, errors);
    }
}

/// <summary>One extra leaderboard column in the settings form.</summary>
public sealed class ExtraColumnEditModel
{
    public string Title { get; set; } = "";
    public string Path { get; set; } = "";
    public SortOrder Order { get; set; } = SortOrder.Descending;
    public bool ExcludeFromRanking { get; set; }
    public string ErrorPath { get; set; } = "";

    public static ExtraColumnEditModel From(ExtraResultColumn c) =>
        new() { Title = c.Title, Path = c.Path, Order = c.Order, ExcludeFromRanking = c.ExcludeFromRanking, ErrorPath = c.ErrorPath ?? "" };

    public ExtraResultColumn ToColumn() => new(Path ?? "", Title ?? "", Order, ExcludeFromRanking, string.IsNullOrWhiteSpace(ErrorPath) ? null : ErrorPath);
}

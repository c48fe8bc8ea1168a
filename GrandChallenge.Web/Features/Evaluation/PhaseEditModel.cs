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

        if (errors.Count > 0)
        {
            return (null, errors);
        }

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

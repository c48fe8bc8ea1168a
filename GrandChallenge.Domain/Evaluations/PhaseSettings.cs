using System.Text.RegularExpressions;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>
/// The fields of a phase that admins set; null leaves a field as it is (PATCH). Names follow the API
/// (grand-challenge.org's where it has them).
/// </summary>
public sealed partial record PhaseSettings
{
    public string? Title { get; init; }
    public SubmissionKind? SubmissionKind { get; init; }
    public bool? Public { get; init; }
    public Guid? ParentId { get; init; }
    public bool ClearParent { get; init; }
    public DateTimeOffset? OpenAt { get; init; }
    public bool ClearOpenAt { get; init; }
    public DateTimeOffset? CloseAt { get; init; }
    public bool ClearCloseAt { get; init; }
    public int? SubmissionLimit { get; init; }
    public int? SubmissionLimitPeriodDays { get; init; }
    /// <summary>Set <see cref="SubmissionLimitPeriodDays"/> to null: count all time.</summary>
    public bool AllTimeLimitPeriod { get; init; }
    public bool? LimitPerTeam { get; init; }
    public string? SubmissionPageMarkdown { get; init; }
    public FieldChoice? SupplementaryFileChoice { get; init; }
    public FieldChoice? SupplementaryUrlChoice { get; init; }
    public FieldChoice? CommentChoice { get; init; }
    public bool? ShowParticipantLogs { get; init; }
    public string? ScoreTitle { get; init; }
    public string? ScorePath { get; init; }
    public string? ScoreErrorPath { get; init; }
    public SortOrder? ScoreOrder { get; init; }
    public int? ScoreDecimalPlaces { get; init; }
    public IReadOnlyList<ExtraResultColumn>? ExtraResultColumns { get; init; }
    public ScoringMethod? ScoringMethod { get; init; }
    public ResultDisplay? ResultDisplay { get; init; }
    public bool? AutoPublishNewResults { get; init; }
    public int? EvaluationTimeLimitSeconds { get; init; }
    public int? EvaluationMemoryGb { get; init; }
    /// <summary>Algorithm phases: the archive of hidden test cases, by slug or id ("" unlinks it); resolved by <see cref="PhaseService"/>.</summary>
    public string? Archive { get; init; }
    /// <summary>Algorithm phases: the interfaces submitted algorithms must implement, as socket slugs; resolved by <see cref="PhaseService"/>.</summary>
    public IReadOnlyList<PhaseInterfaceSetting>? AlgorithmInterfaces { get; init; }
    public int? AlgorithmTimeLimitSeconds { get; init; }
    public int? AlgorithmMaxMemoryGb { get; init; }
    public bool? GiveAlgorithmEditorsJobViewPermissions { get; init; }

    /// <summary>Whether a change can move ranks, so the leaderboard must be recomputed.</summary>
    public bool AffectsRanking =>
        ScorePath is not null || ScoreOrder is not null || ExtraResultColumns is not null || ScoringMethod is not null || ResultDisplay is not null;

    /// <summary>Applies the settings to <paramref name="phase"/> and checks the result; field → messages, empty when valid.</summary>
    public Dictionary<string, string[]> ApplyTo(Phase phase)
    {
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        if (Title is not null)
        {
            phase.Title = Title.Trim();
        }

        if (phase.Title.Length is 0 or > 64)
        {
            Error("title", "Give the phase a title of 1 to 64 characters.");
        }

        phase.SubmissionKind = SubmissionKind ?? phase.SubmissionKind;

        phase.Public = Public ?? phase.Public;
        if (ClearParent)
        {
            phase.ParentId = null;
        }
        else if (ParentId is not null)
        {
            phase.ParentId = ParentId;
        }

        if (ClearOpenAt)
        {
            phase.OpenAt = null;
        }
        else if (OpenAt is not null)
        {
            phase.OpenAt = OpenAt;
        }

        if (ClearCloseAt)
        {
            phase.CloseAt = null;
        }
        else if (CloseAt is not null)
        {
            phase.CloseAt = CloseAt;
        }

        if (phase.OpenAt is { } open && phase.CloseAt is { } close && close <= open)
        {
            Error("close_at", "The phase must close after it opens.");
        }

        phase.SubmissionLimit = SubmissionLimit ?? phase.SubmissionLimit;
        if (phase.SubmissionLimit < 0)
        {
            Error("submission_limit", "The submission limit cannot be negative (0 closes the phase).");
        }

        if (AllTimeLimitPeriod)
        {
            phase.SubmissionLimitPeriodDays = null;
        }
        else if (SubmissionLimitPeriodDays is not null)
        {
            phase.SubmissionLimitPeriodDays = SubmissionLimitPeriodDays;
        }

        if (phase.SubmissionLimitPeriodDays is < 1)
        {
            Error("submission_limit_period_days", "The period is at least 1 day; leave it empty to count all time.");
        }

        phase.LimitPerTeam = LimitPerTeam ?? phase.LimitPerTeam;
        phase.SubmissionPageMarkdown = SubmissionPageMarkdown ?? phase.SubmissionPageMarkdown;
        phase.SupplementaryFileChoice = SupplementaryFileChoice ?? phase.SupplementaryFileChoice;
        phase.SupplementaryUrlChoice = SupplementaryUrlChoice ?? phase.SupplementaryUrlChoice;
        phase.CommentChoice = CommentChoice ?? phase.CommentChoice;
        phase.ShowParticipantLogs = ShowParticipantLogs ?? phase.ShowParticipantLogs;

        phase.ScoreTitle = ScoreTitle?.Trim() ?? phase.ScoreTitle;
        if (phase.ScoreTitle.Length is 0 or > 64)
        {
            Error("score_title", "Give the score a title of 1 to 64 characters.");
        }

        if (ScorePath is not null)
        {
            phase.ScorePath = ScorePath.Trim();
        }

        if (phase.ScorePath.Length > 0 && !IsPath(phase.ScorePath))
        {
            Error("score_jsonpath", PathMessage);
        }

        if (ScoreErrorPath is not null)
        {
            phase.ScoreErrorPath = ScoreErrorPath.Trim() is { Length: > 0 } p ? p : null;
        }

        if (phase.ScoreErrorPath is { } errorPath && !IsPath(errorPath))
        {
            Error("score_error_jsonpath", PathMessage);
        }

        phase.ScoreOrder = ScoreOrder ?? phase.ScoreOrder;
        phase.ScoreDecimalPlaces = ScoreDecimalPlaces ?? phase.ScoreDecimalPlaces;
        if (phase.ScoreDecimalPlaces is < 0 or > 15)
        {
            Error("score_decimal_places", "Show 0 to 15 decimal places.");
        }

        if (ExtraResultColumns is not null)
        {
            phase.ExtraResultColumns = [.. ExtraResultColumns.Select(c => c with { Path = c.Path.Trim(), Title = c.Title.Trim(), ErrorPath = c.ErrorPath?.Trim() is { Length: > 0 } e ? e : null })];
        }

        foreach (var (column, i) in phase.ExtraResultColumns.Select((c, i) => (c, i)))
        {
            if (!IsPath(column.Path) || column.Title.Length is 0 or > 64 || (column.ErrorPath is { } e && !IsPath(e)))
            {
                Error("extra_results_columns", $"Column {i + 1}: give a title of 1 to 64 characters and dotted paths of letters, digits, '_' and '-'.");
            }
        }

        if (phase.ExtraResultColumns.Select(c => c.Path).Append(phase.ScorePath).Where(p => p.Length > 0).GroupBy(p => p).Any(g => g.Count() > 1))
        {
            Error("extra_results_columns", "Each metric path may appear once (the score included).");
        }

        phase.ScoringMethod = ScoringMethod ?? phase.ScoringMethod;
        phase.ResultDisplay = ResultDisplay ?? phase.ResultDisplay;
        phase.AutoPublishNewResults = AutoPublishNewResults ?? phase.AutoPublishNewResults;

        phase.EvaluationTimeLimitSeconds = EvaluationTimeLimitSeconds ?? phase.EvaluationTimeLimitSeconds;
        if (phase.EvaluationTimeLimitSeconds is < Phase.MinTimeLimitSeconds or > Phase.MaxTimeLimitSeconds)
        {
            Error("evaluation_time_limit_seconds", $"The time limit is {Phase.MinTimeLimitSeconds:N0} to {Phase.MaxTimeLimitSeconds:N0} seconds.");
        }

        phase.EvaluationMemoryGb = EvaluationMemoryGb ?? phase.EvaluationMemoryGb;
        if (phase.EvaluationMemoryGb is < Phase.MinMemoryGb or > Phase.MaxMemoryGb)
        {
            Error("evaluation_memory_gb", $"The memory is {Phase.MinMemoryGb} to {Phase.MaxMemoryGb} GB.");
        }

        phase.AlgorithmTimeLimitSeconds = AlgorithmTimeLimitSeconds ?? phase.AlgorithmTimeLimitSeconds;
        if (phase.AlgorithmTimeLimitSeconds is < Phase.MinTimeLimitSeconds or > Phase.MaxTimeLimitSeconds)
        {
            Error("algorithm_time_limit", $"The algorithm time limit is {Phase.MinTimeLimitSeconds:N0} to {Phase.MaxTimeLimitSeconds:N0} seconds.");
        }

        phase.AlgorithmMaxMemoryGb = AlgorithmMaxMemoryGb ?? phase.AlgorithmMaxMemoryGb;
        if (phase.AlgorithmMaxMemoryGb is < Phase.MinMemoryGb or > Phase.MaxMemoryGb)
        {
            Error("algorithm_maximum_settable_memory_gb", $"The memory is {Phase.MinMemoryGb} to {Phase.MaxMemoryGb} GB.");
        }

        phase.GiveAlgorithmEditorsJobViewPermissions = GiveAlgorithmEditorsJobViewPermissions ?? phase.GiveAlgorithmEditorsJobViewPermissions;
        if (AlgorithmInterfaces is { } interfaces && interfaces.Any(i => i.Inputs.Count == 0 || i.Outputs.Count == 0))
        {
            Error("algorithm_interfaces", "Each interface needs at least one input and one output socket.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>Whether the change touches the algorithm-phase links that need the database to check.</summary>
    public bool ChangesAlgorithmLinks => Archive is not null || AlgorithmInterfaces is not null;

    private const string PathMessage = "A metric path is dotted keys into metrics.json, e.g. aggregates.dice.mean (letters, digits, '_' and '-').";

    private static bool IsPath(string path) => MetricPathPattern().IsMatch(path);

    [GeneratedRegex(@"^[A-Za-z0-9_\- ]+(\.[A-Za-z0-9_\- ]+)*$")]
    private static partial Regex MetricPathPattern();
}

/// <summary>One interface of an algorithm phase as an admin gives it: input and output socket slugs.</summary>
public sealed record PhaseInterfaceSetting(IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>What participants hand in: prediction files, or an algorithm that is run on the phase's hidden test cases.</summary>
public enum SubmissionKind
{
    Predictions,
    Algorithm,
}

/// <summary>Whether a submission form asks for an optional field: not at all, optionally, or always.</summary>
public enum FieldChoice
{
    Off,
    Optional,
    Required,
}

/// <summary>
/// A stage of a challenge with its own submission window, limits, evaluation method, ground truth and leaderboard
/// (grand-challenge.org's <c>Phase</c>).
/// </summary>
public class Phase : IHasTimestamps
{
    public const int MinTimeLimitSeconds = 300;
    public const int MaxTimeLimitSeconds = 86_400;
    public const int MinMemoryGb = 4;
    public const int MaxMemoryGb = 32;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ChallengeId { get; set; }
    public required string Title { get; set; }
    /// <summary>Unique per challenge, made from the title.</summary>
    public required string Slug { get; set; }
    public SubmissionKind SubmissionKind { get; set; } = SubmissionKind.Predictions;
    /// <summary>Participants see a non-public phase only once it is made public; admins always.</summary>
    public bool Public { get; set; } = true;
    /// <summary>A phase whose submitters must have a successful evaluation in the parent phase first.</summary>
    public Guid? ParentId { get; set; }

    public DateTimeOffset? OpenAt { get; set; }
    public DateTimeOffset? CloseAt { get; set; }
    /// <summary>Submissions per user (or team) per period; 0 closes the phase (grand-challenge.org's default).</summary>
    public int SubmissionLimit { get; set; }
    /// <summary>Length of the rolling window in days; null counts all time.</summary>
    public int? SubmissionLimitPeriodDays { get; set; } = 1;
    /// <summary>Count the submission limit per team rather than per user (members without a team count alone).</summary>
    public bool LimitPerTeam { get; set; }
    public string SubmissionPageMarkdown { get; set; } = "";
    public FieldChoice SupplementaryFileChoice { get; set; } = FieldChoice.Off;
    public FieldChoice SupplementaryUrlChoice { get; set; } = FieldChoice.Off;
    public FieldChoice CommentChoice { get; set; } = FieldChoice.Optional;
    /// <summary>Participants may read their own evaluations' container logs; otherwise only platform messages.</summary>
    public bool ShowParticipantLogs { get; set; }

    public string ScoreTitle { get; set; } = "Score";
    /// <summary>Dotted keys into <c>metrics.json</c>, e.g. <c>aggregates.dice.mean</c>.</summary>
    public string ScorePath { get; set; } = "";
    public string? ScoreErrorPath { get; set; }
    public SortOrder ScoreOrder { get; set; } = SortOrder.Descending;
    public int ScoreDecimalPlaces { get; set; } = 4;
    public List<ExtraResultColumn> ExtraResultColumns { get; set; } = [];
    public ScoringMethod ScoringMethod { get; set; } = ScoringMethod.Absolute;
    public ResultDisplay ResultDisplay { get; set; } = ResultDisplay.All;
    public bool AutoPublishNewResults { get; set; } = true;

    /// <summary>Algorithm phases: the archive whose items are the hidden test cases.</summary>
    public Guid? ArchiveId { get; set; }
    /// <summary>Algorithm phases: the interfaces submitted algorithms must implement (<see cref="Algorithms.AlgorithmInterface"/> ids).</summary>
    public List<int> AlgorithmInterfaceIds { get; set; } = [];
    /// <summary>Time limit of each algorithm job on a test case (grand-challenge.org's default 1,200 s).</summary>
    public int AlgorithmTimeLimitSeconds { get; set; } = 1200;
    /// <summary>The most memory a submitted algorithm may ask for.</summary>
    public int AlgorithmMaxMemoryGb { get; set; } = 32;
    /// <summary>Algorithm editors may see the inference jobs of their submissions (inputs, outputs, logs).</summary>
    public bool GiveAlgorithmEditorsJobViewPermissions { get; set; }

    public int EvaluationTimeLimitSeconds { get; set; } = 3600;
    public int EvaluationMemoryGb { get; set; } = 8;

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

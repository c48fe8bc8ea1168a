using System.Globalization;
using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Evaluations.Ranking;
using MudBlazor;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>Whether a phase takes submissions now, as the phase list shows it.</summary>
public enum PhaseState
{
    Open,
    OpeningSoon,
    Closed,
}

/// <summary>How the evaluation pages show statuses, scores and the reasons behind them.</summary>
public static class EvaluationDisplay
{
    public const string DateFormat = "yyyy-MM-dd HH:mm";

    /// <summary>Open: public, a limit above 0 and inside its window; opening soon: before its opening date; otherwise closed.</summary>
    public static PhaseState StateOf(Phase phase, DateTimeOffset now)
    {
        if (phase.OpenAt is { } open && now < open)
        {
            return PhaseState.OpeningSoon;
        }

        return phase.Public && phase.SubmissionLimit > 0 && (phase.CloseAt is not { } close || now < close) ? PhaseState.Open : PhaseState.Closed;
    }

    public static string Label(PhaseState state) => state switch
    {
        PhaseState.Open => "Open",
        PhaseState.OpeningSoon => "Opening soon",
        _ => "Closed",
    };

    public static Color ColorOf(PhaseState state) => state switch
    {
        PhaseState.Open => Color.Success,
        PhaseState.OpeningSoon => Color.Info,
        _ => Color.Default,
    };

    public static string Label(ComponentJobStatus status) => ComponentJob.Label(status);

    public static Color ColorOf(ComponentJobStatus status) => status switch
    {
        ComponentJobStatus.Succeeded => Color.Success,
        ComponentJobStatus.Failed => Color.Error,
        ComponentJobStatus.Cancelled => Color.Default,
        _ => Color.Info,
    };

    public static Color ColorOf(ContainerImageInfo image) => image.IsRemoved
        ? Color.Default
        : image.ImportStatus switch
        {
            ContainerImageImportStatus.Completed => Color.Success,
            ContainerImageImportStatus.Failed or ContainerImageImportStatus.Cancelled => Color.Error,
            ContainerImageImportStatus.ReQueued => Color.Warning,
            _ => Color.Info,
        };

    public static string When(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Number(double? value, int decimals) =>
        value is { } v ? v.ToString("F" + Math.Clamp(decimals, 0, 15), CultureInfo.InvariantCulture) : "—";

    /// <summary>"0.8000 ± 0.0100" where an error is known, else the value alone.</summary>
    public static string WithError(double? value, double? error, int decimals) =>
        value is not null && error is not null ? $"{Number(value, decimals)} ± {Number(error, decimals)}" : Number(value, decimals);

    /// <summary>The number at <paramref name="path"/> in metrics.json, or null.</summary>
    public static double? Metric(string? metricsJson, string path)
    {
        if (metricsJson is null || path.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(metricsJson);
            return MetricPath.TryGetNumber(document.RootElement, path, out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>metrics.json indented for reading, or the text as it is when it is not JSON.</summary>
    public static string Pretty(string metricsJson)
    {
        try
        {
            using var document = JsonDocument.Parse(metricsJson);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return metricsJson;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// Why a finished evaluation is not on the leaderboard, in words a participant can act on; null when it is ranked
    /// or has not succeeded (its status says enough then).
    /// </summary>
    public static string? UnrankedReason(EvaluationView evaluation, Phase phase)
    {
        if (evaluation.Status != ComponentJobStatus.Succeeded || evaluation.Rank > 0)
        {
            return null;
        }

        if (!evaluation.Published)
        {
            return "The result is not published: the challenge's admins review results before they appear on the leaderboard.";
        }

        if (phase.ScorePath.Length == 0)
        {
            return "The phase has no score path yet, so no result is ranked. The challenge's admins set it in the phase's settings.";
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(evaluation.MetricsJson ?? "null");
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return "metrics.json is not valid JSON, so it has no score.";
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return "metrics.json holds no JSON object, so it has no score.";
        }

        var missing = LeaderboardService.ColumnsOf(phase)
            .Where(c => c.Ranked && !MetricPath.TryGetNumber(root, c.Path, out _))
            .Select(c => $"'{c.Path}'")
            .ToList();
        if (missing.Count > 0)
        {
            return $"metrics.json has no number at {string.Join(", ", missing)}, which the leaderboard ranks by.";
        }

        return phase.ResultDisplay switch
        {
            ResultDisplay.MostRecent => "The leaderboard shows each participant's most recent result only, and this is not the most recent one.",
            ResultDisplay.Best => "The leaderboard shows each participant's best result only, and this is not the best one.",
            _ => "The ranks are being computed; the result will appear on the leaderboard shortly.",
        };
    }

    /// <summary>The title of the ranking column for mean and median position scoring, null for absolute scoring.</summary>
    public static string? PositionTitle(ScoringMethod method) => method switch
    {
        ScoringMethod.MeanPosition => "Mean position",
        ScoringMethod.MedianPosition => "Median position",
        _ => null,
    };
}

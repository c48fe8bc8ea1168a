using System.Text.Json;

namespace GrandChallenge.Domain.Evaluations.Ranking;

/// <summary>One metric that decides positions: the main score or an extra column not excluded from ranking.</summary>
public sealed record RankedMetric(string Path, SortOrder Order);

/// <summary>A phase's leaderboard settings, as the ranking engine needs them.</summary>
public sealed record RankingSettings(
    string ScorePath,
    SortOrder ScoreOrder,
    IReadOnlyList<ExtraResultColumn> ExtraColumns,
    ScoringMethod Method,
    ResultDisplay Display)
{
    /// <summary>
    /// The main score first, then every extra column not excluded from ranking, in column order. A path listed twice
    /// ranks once, with the direction of its first mention (so the main score's own direction wins).
    /// </summary>
    public IReadOnlyList<RankedMetric> RankedMetrics
    {
        get
        {
            // Computed on each call rather than cached: a cached list would survive `with` and go stale.
            var metrics = new List<RankedMetric>(1 + ExtraColumns.Count) { new(ScorePath, ScoreOrder) };
            foreach (var column in ExtraColumns)
            {
                if (!column.ExcludeFromRanking && !metrics.Exists(m => m.Path == column.Path))
                {
                    metrics.Add(new RankedMetric(column.Path, column.Order));
                }
            }

            return metrics;
        }
    }

    /// <summary>The paths of <see cref="RankedMetrics"/>; <see cref="RankingCandidate.Metrics"/> is aligned to them.</summary>
    public IReadOnlyList<string> RankedPaths => RankedMetrics.Select(m => m.Path).ToArray();

    /// <summary>The value of each ranked metric in <paramref name="metrics"/> (metrics.json), null where it is not numeric.</summary>
    public double?[] ReadRankedMetrics(JsonElement metrics) => ReadRankedMetrics(metrics, RankedPaths);

    /// <summary>
    /// As <see cref="ReadRankedMetrics(JsonElement)"/> from metrics.json text. Null or unparsable text gives no values
    /// (the result then cannot rank) rather than an exception, so one broken row never stops a phase's re-ranking.
    /// </summary>
    public double?[] ReadRankedMetrics(string? metricsJson) => ReadRankedMetrics(metricsJson, RankedPaths);

    internal static double?[] ReadRankedMetrics(JsonElement metrics, IReadOnlyList<string> paths)
    {
        var values = new double?[paths.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = MetricPath.TryGetNumber(metrics, paths[i], out var value) ? value : null;
        }

        return values;
    }

    internal static double?[] ReadRankedMetrics(string? metricsJson, IReadOnlyList<string> paths)
    {
        if (string.IsNullOrWhiteSpace(metricsJson))
        {
            return new double?[paths.Count];
        }

        try
        {
            using var document = JsonDocument.Parse(metricsJson);
            return ReadRankedMetrics(document.RootElement, paths);
        }
        catch (JsonException)
        {
            return new double?[paths.Count];
        }
    }
}

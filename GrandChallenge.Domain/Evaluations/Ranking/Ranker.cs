namespace GrandChallenge.Domain.Evaluations.Ranking;

/// <summary>
/// A phase's leaderboard ranks (DESIGN "Ranking", reference §2.6). Only succeeded and published evaluations can rank;
/// the display mode picks which of a participant's results compete; a result ranks only if every ranked metric is a
/// number; each metric gives standard competition positions ("1, 2, 2, 4"); the scoring method turns positions into
/// a rank score, and the final rank is the competition rank of that score, lower first.
/// </summary>
public static class Ranker
{
    public static RankingOutcome Rank(IReadOnlyList<RankingCandidate> candidates, RankingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(settings);

        var metrics = settings.RankedMetrics;
        var metricCount = metrics.Count;
        var count = candidates.Count;
        var indexById = new Dictionary<Guid, int>(count);
        // Flattened once (NaN = no number) so sorting never goes through nullable values or interface calls.
        var values = new double[count * metricCount];
        for (var i = 0; i < count; i++)
        {
            var candidate = candidates[i];
            if (!indexById.TryAdd(candidate.EvaluationId, i))
            {
                throw new ArgumentException($"Evaluation {candidate.EvaluationId} is listed more than once.", nameof(candidates));
            }

            if (candidate.Metrics.Count != metricCount)
            {
                throw new ArgumentException(
                    $"Evaluation {candidate.EvaluationId} has {candidate.Metrics.Count} metric values; the settings rank {metricCount} ({string.Join(", ", settings.RankedPaths)}).",
                    nameof(candidates));
            }

            for (var j = 0; j < metricCount; j++)
            {
                values[i * metricCount + j] = candidate.Metrics[j] ?? double.NaN;
            }
        }

        var eligible = EligibleNewestFirst(candidates);
        var shown = settings.Display switch
        {
            ResultDisplay.All => eligible,
            // Picked before validity, as grand-challenge.org does: a newest result that cannot rank hides the
            // participant's older ones instead of letting them stand in for it.
            ResultDisplay.MostRecent => FirstPerParticipant(candidates, eligible),
            ResultDisplay.Best => BestPerParticipant(candidates, eligible, RankSet(eligible, values, count, metrics, settings.Method).Ranks),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Display, "Unknown result display."),
        };
        var ranked = RankSet(shown, values, count, metrics, settings.Method);

        var results = new EvaluationRank[count];
        for (var i = 0; i < count; i++)
        {
            var id = candidates[i].EvaluationId;
            if (ranked.Ranks[i] == 0)
            {
                results[i] = EvaluationRank.Unranked(id);
                continue;
            }

            var perMetric = new Dictionary<string, int>(metricCount, StringComparer.Ordinal);
            for (var j = 0; j < metricCount; j++)
            {
                perMetric[metrics[j].Path] = ranked.Positions[i * metricCount + j];
            }

            results[i] = new EvaluationRank(id, ranked.Ranks[i], ranked.Scores[i], perMetric);
        }

        return new RankingOutcome(results, indexById);
    }

    private sealed record RankedSet(int[] Ranks, double[] Scores, int[] Positions);

    /// <summary>Indices of the succeeded, published candidates, newest evaluation first; equal times fall back to the id so re-ranking is deterministic.</summary>
    private static int[] EligibleNewestFirst(IReadOnlyList<RankingCandidate> candidates)
    {
        var indices = new List<int>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i] is { Succeeded: true, Published: true })
            {
                indices.Add(i);
            }
        }

        var newestFirst = indices.ToArray();
        var keys = new long[newestFirst.Length];
        for (var t = 0; t < keys.Length; t++)
        {
            keys[t] = -candidates[newestFirst[t]].Created.UtcTicks;
        }

        Array.Sort(keys, newestFirst);
        var byIdDescending = Comparer<int>.Create((a, b) => candidates[b].EvaluationId.CompareTo(candidates[a].EvaluationId));
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(newestFirst, start, end - start, byIdDescending);
            }

            start = end;
        }

        return newestFirst;
    }

    private static int[] FirstPerParticipant(IReadOnlyList<RankingCandidate> candidates, int[] newestFirst)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<int>();
        foreach (var i in newestFirst)
        {
            if (seen.Add(candidates[i].ParticipantKey))
            {
                kept.Add(i);
            }
        }

        return kept.ToArray();
    }

    /// <summary>Each participant's lowest rank among all their ranked results; on a tie the newer result (seen first).</summary>
    private static int[] BestPerParticipant(IReadOnlyList<RankingCandidate> candidates, int[] newestFirst, int[] ranks)
    {
        var best = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in newestFirst)
        {
            if (ranks[i] == 0)
            {
                continue;
            }

            var participant = candidates[i].ParticipantKey;
            if (!best.TryGetValue(participant, out var current) || ranks[i] < ranks[current])
            {
                best[participant] = i;
            }
        }

        var chosen = new HashSet<int>(best.Values);
        return Array.FindAll(newestFirst, chosen.Contains);
    }

    /// <summary>Ranks the given candidates against each other; arrays are indexed by candidate index, rank 0 = not ranked.</summary>
    private static RankedSet RankSet(int[] members, double[] values, int count, IReadOnlyList<RankedMetric> metrics, ScoringMethod method)
    {
        var metricCount = metrics.Count;
        var valid = Array.FindAll(members, i =>
        {
            for (var j = 0; j < metricCount; j++)
            {
                if (!double.IsFinite(values[i * metricCount + j]))
                {
                    return false;
                }
            }

            return true;
        });

        var ranks = new int[count];
        var scores = new double[count];
        var positions = new int[count * metricCount];
        var keys = new double[valid.Length];
        var order = new int[valid.Length];

        for (var j = 0; j < metricCount; j++)
        {
            var descending = metrics[j].Order == SortOrder.Descending;
            for (var t = 0; t < valid.Length; t++)
            {
                var value = values[valid[t] * metricCount + j];
                keys[t] = descending ? -value : value;
                order[t] = valid[t];
            }

            // The sort is not stable, which no one can notice: equal values share a position whatever their order.
            Array.Sort(keys, order);
            AssignCompetitionRanks(keys, order, (i, rank) => positions[i * metricCount + j] = rank);
        }

        var sorted = new int[metricCount];
        for (var t = 0; t < valid.Length; t++)
        {
            var i = valid[t];
            var own = positions.AsSpan(i * metricCount, metricCount);
            scores[i] = method switch
            {
                ScoringMethod.Absolute => own[0],
                ScoringMethod.MeanPosition => Mean(own),
                ScoringMethod.MedianPosition => Median(own, sorted),
                _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown scoring method."),
            };
            keys[t] = scores[i];
            order[t] = i;
        }

        Array.Sort(keys, order);
        AssignCompetitionRanks(keys, order, (i, rank) => ranks[i] = rank);
        return new RankedSet(ranks, scores, positions);
    }

    /// <summary>Standard competition ranking of sorted keys: equal keys share the 1-based index of the first of them.</summary>
    private static void AssignCompetitionRanks(double[] sortedKeys, int[] order, Action<int, int> assign)
    {
        var rank = 0;
        for (var t = 0; t < order.Length; t++)
        {
            if (t == 0 || sortedKeys[t] != sortedKeys[t - 1])
            {
                rank = t + 1;
            }

            assign(order[t], rank);
        }
    }

    private static double Mean(ReadOnlySpan<int> positions)
    {
        long sum = 0;
        foreach (var position in positions)
        {
            sum += position;
        }

        return (double)sum / positions.Length;
    }

    private static double Median(ReadOnlySpan<int> positions, int[] buffer)
    {
        positions.CopyTo(buffer);
        Array.Sort(buffer);
        var middle = buffer.Length / 2;
        return buffer.Length % 2 == 1 ? buffer[middle] : (buffer[middle - 1] + buffer[middle]) / 2.0;
    }
}

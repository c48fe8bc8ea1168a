using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace GrandChallenge.Domain.Evaluations.Ranking;

/// <summary>
/// What the leaderboard stores on one evaluation. Rank 0 means not on the leaderboard (then RankScore is 0 and
/// RankPerMetric is empty); otherwise RankPerMetric maps each ranked metric path to the evaluation's position on it.
/// </summary>
public sealed record EvaluationRank(Guid EvaluationId, int Rank, double RankScore, IReadOnlyDictionary<string, int> RankPerMetric)
{
    public bool IsRanked => Rank > 0;

    internal static EvaluationRank Unranked(Guid evaluationId) =>
        new(evaluationId, 0, 0.0, ReadOnlyDictionary<string, int>.Empty);
}

/// <summary>The ranks of one phase's evaluations: one entry per candidate given to <see cref="Ranker.Rank"/>.</summary>
public sealed class RankingOutcome
{
    private readonly Dictionary<Guid, int> _indexById;

    internal RankingOutcome(IReadOnlyList<EvaluationRank> results, Dictionary<Guid, int> indexById)
    {
        Results = results;
        _indexById = indexById;
    }

    /// <summary>In the order the candidates were given.</summary>
    public IReadOnlyList<EvaluationRank> Results { get; }

    public EvaluationRank this[Guid evaluationId] =>
        _indexById.TryGetValue(evaluationId, out var index)
            ? Results[index]
            : throw new KeyNotFoundException($"Evaluation {evaluationId} was not ranked in this outcome.");

    public bool TryGet(Guid evaluationId, [MaybeNullWhen(false)] out EvaluationRank rank)
    {
        if (_indexById.TryGetValue(evaluationId, out var index))
        {
            rank = Results[index];
            return true;
        }

        rank = null;
        return false;
    }
}

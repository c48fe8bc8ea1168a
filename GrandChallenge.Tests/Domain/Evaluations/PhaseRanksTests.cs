using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Evaluations.Ranking;

namespace GrandChallenge.Tests.Domain.Evaluations;

[Trait("Category", "Unit")]
public sealed class PhaseRanksTests
{
    private static readonly RankingSettings Settings = new(
        "score", SortOrder.Descending, [new ExtraResultColumn("aggregates.dice", "Dice", SortOrder.Ascending)], ScoringMethod.MeanPosition, ResultDisplay.All);

    private static RankingCandidate Candidate(Guid id, double? score, double? dice) =>
        new(id, id.ToString(), DateTimeOffset.UnixEpoch, Published: true, Succeeded: true, [score, dice]);

    [Fact]
    public void Packed_ranks_unpack_to_the_same_ranks_scores_and_positions_and_unranked_results_are_left_out()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), missing = Guid.NewGuid();
        var outcome = Ranker.Rank([Candidate(a, 0.9, 0.3), Candidate(b, 0.5, 0.1), Candidate(missing, null, 0.2)], Settings);

        var ranks = PhaseRanks.Unpack(PhaseRanks.Pack(outcome, Settings.RankedPaths));

        ranks.Count.Should().Be(2);
        foreach (var id in new[] { a, b })
        {
            ranks.TryGet(id, out var entry).Should().BeTrue();
            entry.Rank.Should().Be(outcome[id].Rank);
            entry.Score.Should().Be(outcome[id].RankScore);
            entry.PerMetric.Should().Equal(outcome[id].RankPerMetric);
        }

        ranks.RankOf(missing).Should().Be(0, "a result without every ranked metric is not on the board");
        ranks.RankOf(Guid.NewGuid()).Should().Be(0);
    }

    [Fact]
    public void Bytes_in_another_format_are_refused()
    {
        var unpack = () => PhaseRanks.Unpack("not a ranking"u8);

        unpack.Should().Throw<InvalidDataException>().WithMessage("*not in a known format*");
    }
}

using System.Globalization;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Evaluations.Ranking;

namespace GrandChallenge.Tests.Domain.Evaluations.Ranking;

[Trait("Category", "Unit")]
public sealed class RankerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static RankingSettings Settings(
        ScoringMethod method = ScoringMethod.Absolute,
        ResultDisplay display = ResultDisplay.All,
        SortOrder scoreOrder = SortOrder.Descending,
        string scorePath = "score",
        params ExtraResultColumn[] extras) =>
        new(scorePath, scoreOrder, extras, method, display);

    /// <summary>Results of one phase; each added result is a minute newer than the one before unless told otherwise.</summary>
    private sealed class Board(RankingSettings settings)
    {
        private readonly List<RankingCandidate> _candidates = [];

        public IReadOnlyList<RankingCandidate> Candidates => _candidates;

        public Guid Add(string metricsJson, string participant = "alice", int? minute = null, bool published = true, bool succeeded = true)
        {
            var id = Guid.NewGuid();
            _candidates.Add(RankingCandidate.FromMetricsJson(
                id, participant, T0.AddMinutes(minute ?? _candidates.Count), published, succeeded, metricsJson, settings));
            return id;
        }

        public Guid Score(double score, string participant = "alice", int? minute = null) =>
            Add($$"""{"score": {{score.ToString(CultureInfo.InvariantCulture)}}}""", participant, minute);

        public RankingOutcome Rank() => Ranker.Rank(_candidates, settings);
    }

    private static void ShouldBeUnranked(EvaluationRank rank)
    {
        rank.Rank.Should().Be(0);
        rank.RankScore.Should().Be(0.0);
        rank.RankPerMetric.Should().BeEmpty();
        rank.IsRanked.Should().BeFalse();
    }

    [Fact]
    public void Equal_scores_share_the_lowest_position_and_the_next_one_is_skipped()
    {
        var board = new Board(Settings());
        var second = board.Score(0.8, "b");
        var fourth = board.Score(0.7, "d");
        var first = board.Score(0.9, "a");
        var alsoSecond = board.Score(0.8, "c");

        var outcome = board.Rank();

        outcome[first].Rank.Should().Be(1);
        outcome[second].Rank.Should().Be(2);
        outcome[alsoSecond].Rank.Should().Be(2);
        outcome[fourth].Rank.Should().Be(4);
        outcome[fourth].RankScore.Should().Be(4);
        outcome[fourth].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 4 });
        outcome.Results.Select(r => r.EvaluationId).Should().Equal(board.Candidates.Select(c => c.EvaluationId), "results keep the candidates' order");
    }

    [Fact]
    public void Ascending_order_puts_the_lowest_value_first()
    {
        var board = new Board(Settings(scoreOrder: SortOrder.Ascending));
        var high = board.Score(12.5, "a");
        var low = board.Score(-3, "b");
        var middle = board.Score(0, "c");

        var outcome = board.Rank();

        outcome[low].Rank.Should().Be(1);
        outcome[middle].Rank.Should().Be(2);
        outcome[high].Rank.Should().Be(3);
    }

    [Theory]
    [InlineData(SortOrder.Descending)]
    [InlineData(SortOrder.Ascending)]
    public void Results_without_a_number_for_a_ranked_metric_are_unranked_and_never_ahead_of_real_ones(SortOrder order)
    {
        var board = new Board(Settings(scoreOrder: order));
        var good = board.Score(0.9, "a");
        var bad = board.Score(0.5, "b");
        var missing = board.Add("""{"other": 1}""", "c");
        var nan = board.Add("""{"score": null}""", "d");
        var text = board.Add("""{"score": "0.95"}""", "e");
        var boolean = board.Add("""{"score": true}""", "f");
        var zeroFlag = board.Add("""{"score": false}""", "g");
        var notJson = board.Add("""{"score": NaN}""", "h");
        var empty = board.Add("", "i");

        var outcome = board.Rank();

        var (best, worst) = order == SortOrder.Descending ? (good, bad) : (bad, good);
        outcome[best].Rank.Should().Be(1);
        outcome[worst].Rank.Should().Be(2);
        foreach (var id in new[] { missing, nan, text, boolean, zeroFlag, notJson, empty })
        {
            ShouldBeUnranked(outcome[id]);
        }
    }

    [Fact]
    public void Nested_paths_are_followed_key_by_key()
    {
        var board = new Board(Settings(scorePath: "aggregates.dice.mean"));
        var low = board.Add("""{"aggregates": {"dice": {"mean": 0.61}}}""", "a");
        var high = board.Add("""{"aggregates": {"dice": {"mean": 0.72, "std": 0.1}}}""", "b");
        var flat = board.Add("""{"aggregates.dice.mean": 0.99}""", "c");

        var outcome = board.Rank();

        outcome[high].Rank.Should().Be(1);
        outcome[low].Rank.Should().Be(2);
        outcome[high].RankPerMetric.Should().ContainKey("aggregates.dice.mean");
        ShouldBeUnranked(outcome[flat]);
    }

    [Fact]
    public void Unpublished_and_unsuccessful_results_are_unranked_and_take_no_position()
    {
        var board = new Board(Settings());
        var hidden = board.Add("""{"score": 0.99}""", "a", published: false);
        var failed = board.Add("""{"score": 0.98}""", "b", succeeded: false);
        var shown = board.Score(0.5, "c");

        var outcome = board.Rank();

        ShouldBeUnranked(outcome[hidden]);
        ShouldBeUnranked(outcome[failed]);
        outcome[shown].Rank.Should().Be(1);
    }

    [Fact]
    public void Absolute_scoring_still_needs_every_ranked_extra_column_to_be_a_number()
    {
        var board = new Board(Settings(extras: [new ExtraResultColumn("hd95", "HD95", SortOrder.Ascending)]));
        var complete = board.Add("""{"score": 0.5, "hd95": 30}""", "a");
        var incomplete = board.Add("""{"score": 0.9}""", "b");

        var outcome = board.Rank();

        outcome[complete].Rank.Should().Be(1);
        outcome[complete].RankScore.Should().Be(1);
        outcome[complete].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 1, ["hd95"] = 1 });
        ShouldBeUnranked(outcome[incomplete]);
    }

    [Fact]
    public void Absolute_scoring_ranks_by_the_main_score_alone()
    {
        var board = new Board(Settings(extras: [new ExtraResultColumn("hd95", "HD95", SortOrder.Ascending)]));
        var bestScore = board.Add("""{"score": 0.9, "hd95": 50}""", "a");
        var bestDistance = board.Add("""{"score": 0.5, "hd95": 10}""", "b");

        var outcome = board.Rank();

        outcome[bestScore].Rank.Should().Be(1);
        outcome[bestScore].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 1, ["hd95"] = 2 });
        outcome[bestDistance].Rank.Should().Be(2);
        outcome[bestDistance].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 2, ["hd95"] = 1 });
    }

    [Fact]
    public void A_column_excluded_from_ranking_need_not_be_a_number_and_gets_no_position()
    {
        var board = new Board(Settings(
            method: ScoringMethod.MeanPosition,
            extras: [new ExtraResultColumn("notes", "Notes", SortOrder.Descending, ExcludeFromRanking: true)]));
        var withText = board.Add("""{"score": 0.9, "notes": "looks fine"}""", "a");
        var without = board.Add("""{"score": 0.8}""", "b");

        var outcome = board.Rank();

        outcome[withText].Rank.Should().Be(1);
        outcome[without].Rank.Should().Be(2);
        outcome[withText].RankPerMetric.Keys.Should().Equal("score");
    }

    // Four results on metrics a (higher is better), b (lower is better), c (higher), d (lower):
    //        a    b    c    d   | positions a b c d
    //   r1  0.9   5   0.1   1   |           1 4 4 1
    //   r2  0.5   1   0.9   2   |           4 1 1 2
    //   r3  0.7   3   0.5   3   |           2 2 2 3
    //   r4  0.7   3   0.4   4   |           2 2 3 4
    private static (Board Board, Guid[] Ids) FourResults(ScoringMethod method, int metricCount)
    {
        ExtraResultColumn[] extras =
        [
            new("b", "B", SortOrder.Ascending),
            new("c", "C", SortOrder.Descending),
            new("d", "D", SortOrder.Ascending),
        ];
        var board = new Board(Settings(method: method, scorePath: "a", extras: extras[..(metricCount - 1)]));
        var ids = new[]
        {
            board.Add("""{"a": 0.9, "b": 5, "c": 0.1, "d": 1}""", "p1"),
            board.Add("""{"a": 0.5, "b": 1, "c": 0.9, "d": 2}""", "p2"),
            board.Add("""{"a": 0.7, "b": 3, "c": 0.5, "d": 3}""", "p3"),
            board.Add("""{"a": 0.7, "b": 3, "c": 0.4, "d": 4}""", "p4"),
        };
        return (board, ids);
    }

    [Theory]
    [InlineData(ScoringMethod.Absolute, 2, new[] { 1.0, 4, 2, 2 }, new[] { 1, 4, 2, 2 })]
    [InlineData(ScoringMethod.MeanPosition, 2, new[] { 2.5, 2.5, 2, 2 }, new[] { 3, 3, 1, 1 })]
    [InlineData(ScoringMethod.MeanPosition, 3, new[] { 3.0, 2, 2, 7.0 / 3 }, new[] { 4, 1, 1, 3 })]
    [InlineData(ScoringMethod.MedianPosition, 3, new[] { 4.0, 1, 2, 2 }, new[] { 4, 1, 2, 2 })]
    [InlineData(ScoringMethod.MedianPosition, 4, new[] { 2.5, 1.5, 2, 2.5 }, new[] { 3, 1, 2, 3 })]
    public void Scoring_methods_turn_positions_into_a_rank_score_and_rank_it_ascending(
        ScoringMethod method, int metricCount, double[] expectedScores, int[] expectedRanks)
    {
        var (board, ids) = FourResults(method, metricCount);

        var outcome = board.Rank();

        ids.Select(id => outcome[id].RankScore).Should().Equal(expectedScores);
        ids.Select(id => outcome[id].Rank).Should().Equal(expectedRanks);
        outcome[ids[0]].RankPerMetric.Should().HaveCount(metricCount).And.Contain("a", 1);
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        var (board, ids) = FourResults(ScoringMethod.MedianPosition, 4);

        var outcome = board.Rank();

        // r2's positions are 4, 1, 1, 2: sorted 1, 1, 2, 4.
        outcome[ids[1]].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["a"] = 4, ["b"] = 1, ["c"] = 1, ["d"] = 2 });
        outcome[ids[1]].RankScore.Should().Be(1.5);
    }

    [Fact]
    public void A_path_listed_twice_ranks_once_with_the_main_scores_direction()
    {
        var board = new Board(Settings(
            method: ScoringMethod.MeanPosition,
            extras: [new ExtraResultColumn("score", "Again", SortOrder.Ascending), new ExtraResultColumn("b", "B", SortOrder.Descending)]));
        var high = board.Add("""{"score": 0.9, "b": 1}""", "a");
        var low = board.Add("""{"score": 0.1, "b": 2}""", "b");

        var outcome = board.Rank();

        outcome[high].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 1, ["b"] = 2 });
        outcome[high].RankScore.Should().Be(1.5);
        outcome[low].RankScore.Should().Be(1.5);
        outcome[high].Rank.Should().Be(1);
        outcome[low].Rank.Should().Be(1);
    }

    [Fact]
    public void Most_recent_shows_each_participants_newest_result_ranked_among_the_others_newest()
    {
        var board = new Board(Settings(display: ResultDisplay.MostRecent));
        var aliceOldBest = board.Score(0.99, "alice", minute: 1);
        var bob = board.Score(0.6, "bob", minute: 2);
        var aliceNew = board.Score(0.5, "alice", minute: 3);
        var carolHiddenNewer = board.Add("""{"score": 0.1}""", "carol", minute: 9, published: false);
        var carol = board.Score(0.7, "carol", minute: 4);

        var outcome = board.Rank();

        ShouldBeUnranked(outcome[aliceOldBest]);
        ShouldBeUnranked(outcome[carolHiddenNewer]);
        outcome[carol].Rank.Should().Be(1, "an unpublished newer result does not hide the published one");
        outcome[bob].Rank.Should().Be(2);
        outcome[aliceNew].Rank.Should().Be(3);
    }

    [Fact]
    public void Most_recent_that_cannot_rank_removes_the_participant_from_the_board()
    {
        var board = new Board(Settings(display: ResultDisplay.MostRecent));
        var older = board.Score(0.9, "alice", minute: 1);
        var newestInvalid = board.Add("""{"score": "oops"}""", "alice", minute: 2);
        var bob = board.Score(0.5, "bob", minute: 1);

        var outcome = board.Rank();

        ShouldBeUnranked(outcome[older]);
        ShouldBeUnranked(outcome[newestInvalid]);
        outcome[bob].Rank.Should().Be(1);
    }

    [Fact]
    public void Most_recent_goes_by_evaluation_creation_time_not_by_input_order()
    {
        var board = new Board(Settings(display: ResultDisplay.MostRecent));
        var newer = board.Score(0.2, "alice", minute: 10);
        var older = board.Score(0.9, "alice", minute: 5);

        var outcome = board.Rank();

        outcome[newer].Rank.Should().Be(1);
        ShouldBeUnranked(outcome[older]);
    }

    [Fact]
    public void Best_shows_each_participants_best_result_ranked_among_the_others_best()
    {
        var board = new Board(Settings(display: ResultDisplay.Best));
        var aliceBest = board.Score(0.95, "alice", minute: 1);
        var aliceWorse = board.Score(0.9, "alice", minute: 2);
        var aliceInvalidNewest = board.Add("""{"score": null}""", "alice", minute: 3);
        var bobWorse = board.Score(0.5, "bob", minute: 1);
        var bobBest = board.Score(0.92, "bob", minute: 2);
        var carol = board.Score(0.3, "carol", minute: 1);

        var outcome = board.Rank();

        outcome[aliceBest].Rank.Should().Be(1);
        outcome[bobBest].Rank.Should().Be(2);
        outcome[carol].Rank.Should().Be(3, "positions are counted again among the best results only");
        ShouldBeUnranked(outcome[aliceWorse]);
        ShouldBeUnranked(outcome[aliceInvalidNewest]);
        ShouldBeUnranked(outcome[bobWorse]);
    }

    [Fact]
    public void Best_with_a_tie_keeps_the_newer_result()
    {
        var board = new Board(Settings(display: ResultDisplay.Best));
        var older = board.Score(0.8, "alice", minute: 1);
        var newer = board.Score(0.8, "alice", minute: 7);
        var between = board.Score(0.8, "alice", minute: 4);

        var outcome = board.Rank();

        outcome[newer].Rank.Should().Be(1);
        ShouldBeUnranked(outcome[older]);
        ShouldBeUnranked(outcome[between]);
    }

    [Fact]
    public void Best_with_mean_position_picks_by_rank_among_all_then_ranks_again_among_the_best()
    {
        var board = new Board(Settings(
            method: ScoringMethod.MeanPosition,
            display: ResultDisplay.Best,
            extras: [new ExtraResultColumn("b", "B", SortOrder.Descending)]));
        // Among all four: a1 (1,3)=2, a2 (4,4)=4, b1 (2,2)=2, b2 (3,1)=2 → ranks 1, 4, 1, 1.
        var a1 = board.Add("""{"score": 0.9, "b": 0.3}""", "alice", minute: 1);
        var a2 = board.Add("""{"score": 0.1, "b": 0.1}""", "alice", minute: 2);
        var b1 = board.Add("""{"score": 0.8, "b": 0.5}""", "bob", minute: 1);
        var b2 = board.Add("""{"score": 0.7, "b": 0.9}""", "bob", minute: 2);

        var outcome = board.Rank();

        // Bob's tie between b1 and b2 goes to the newer b2; then a1 (1,2) and b2 (2,1) both score 1.5.
        ShouldBeUnranked(outcome[a2]);
        ShouldBeUnranked(outcome[b1]);
        outcome[a1].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 1, ["b"] = 2 });
        outcome[b2].RankPerMetric.Should().Equal(new Dictionary<string, int> { ["score"] = 2, ["b"] = 1 });
        outcome[a1].RankScore.Should().Be(1.5);
        outcome[a1].Rank.Should().Be(1);
        outcome[b2].Rank.Should().Be(1);
    }

    [Fact]
    public void Nothing_to_rank_gives_an_empty_outcome()
    {
        Ranker.Rank([], Settings()).Results.Should().BeEmpty();
    }

    [Fact]
    public void The_outcome_answers_by_evaluation_id()
    {
        var board = new Board(Settings());
        var id = board.Score(0.5);

        var outcome = board.Rank();

        outcome.TryGet(id, out var rank).Should().BeTrue();
        rank!.Rank.Should().Be(1);
        outcome.TryGet(Guid.NewGuid(), out _).Should().BeFalse();
        var unknown = () => outcome[Guid.NewGuid()];
        unknown.Should().Throw<KeyNotFoundException>();
    }

    [Fact]
    public void An_evaluation_listed_twice_or_with_the_wrong_number_of_values_is_refused()
    {
        var settings = Settings(extras: [new ExtraResultColumn("b", "B", SortOrder.Ascending)]);
        var id = Guid.NewGuid();
        var twice = () => Ranker.Rank(
            [new RankingCandidate(id, "a", T0, true, true, [1, 2]), new RankingCandidate(id, "b", T0, true, true, [1, 2])],
            settings);
        var misaligned = () => Ranker.Rank([new RankingCandidate(id, "a", T0, true, true, [1])], settings);

        twice.Should().Throw<ArgumentException>().WithMessage("*more than once*");
        misaligned.Should().Throw<ArgumentException>().WithMessage("*1 metric values*rank 2 (score, b)*");
    }

    [Fact]
    public void Candidates_built_by_hand_with_non_finite_values_do_not_rank()
    {
        var settings = Settings();
        var finite = new RankingCandidate(Guid.NewGuid(), "a", T0, true, true, [0.5]);
        var infinite = new RankingCandidate(Guid.NewGuid(), "b", T0, true, true, [double.PositiveInfinity]);
        var nan = new RankingCandidate(Guid.NewGuid(), "c", T0, true, true, [double.NaN]);

        var outcome = Ranker.Rank([finite, infinite, nan], settings);

        outcome[finite.EvaluationId].Rank.Should().Be(1);
        ShouldBeUnranked(outcome[infinite.EvaluationId]);
        ShouldBeUnranked(outcome[nan.EvaluationId]);
    }

    public static TheoryData<ScoringMethod, ResultDisplay> EveryMode()
    {
        var data = new TheoryData<ScoringMethod, ResultDisplay>();
        foreach (var method in Enum.GetValues<ScoringMethod>())
        {
            foreach (var display in Enum.GetValues<ResultDisplay>())
            {
                data.Add(method, display);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryMode))]
    public void Random_boards_match_a_literal_reading_of_the_rules_whatever_the_input_order(ScoringMethod method, ResultDisplay display)
    {
        for (var seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed * 31 + (int)method * 7 + (int)display);
            var settings = Settings(
                method: method,
                display: display,
                scoreOrder: random.Next(2) == 0 ? SortOrder.Ascending : SortOrder.Descending,
                extras:
                [
                    new ExtraResultColumn("x.y", "XY", SortOrder.Ascending),
                    new ExtraResultColumn("note", "Note", SortOrder.Ascending, ExcludeFromRanking: true),
                    new ExtraResultColumn("z", "Z", SortOrder.Descending),
                ]);
            string[] values = ["0.1", "0.2", "0.2", "0.3", "1", "-1", "null", "\"0.2\"", "true"];
            var candidates = Enumerable.Range(0, random.Next(0, 60)).Select(_ =>
            {
                string Pick() => values[random.Next(values.Length)];
                var json = $$"""{"score": {{Pick()}}, "x": {"y": {{Pick()}}}, "z": {{Pick()}}, "note": "n"}""";
                if (random.Next(20) == 0)
                {
                    json = """{"x": 1}""";
                }

                return RankingCandidate.FromMetricsJson(
                    Guid.NewGuid(), $"user{random.Next(6)}", T0.AddMinutes(random.Next(30)),
                    published: random.Next(10) > 0, succeeded: random.Next(10) > 0, json, settings);
            }).ToList();

            var expected = LiteralRanking(candidates, settings);
            var outcome = Ranker.Rank(candidates, settings);
            var shuffled = Ranker.Rank(candidates.OrderBy(_ => random.Next()).ToList(), settings);

            foreach (var candidate in candidates)
            {
                var because = $"seed {seed}, evaluation {candidate.EvaluationId}";
                outcome[candidate.EvaluationId].Should().BeEquivalentTo(expected[candidate.EvaluationId], o => o.ComparingRecordsByMembers(), because);
                shuffled[candidate.EvaluationId].Should().BeEquivalentTo(expected[candidate.EvaluationId], o => o.ComparingRecordsByMembers(), because);
            }
        }
    }

    /// <summary>Reference §2.6 read word for word, quadratic and slow, to check the engine against.</summary>
    private static Dictionary<Guid, EvaluationRank> LiteralRanking(IReadOnlyList<RankingCandidate> candidates, RankingSettings settings)
    {
        var eligible = candidates
            .Where(c => c.Succeeded && c.Published)
            .OrderByDescending(c => c.Created)
            .ThenByDescending(c => c.EvaluationId)
            .ToList();
        var shown = settings.Display switch
        {
            ResultDisplay.All => eligible,
            ResultDisplay.MostRecent => eligible.GroupBy(c => c.ParticipantKey).Select(g => g.First()).ToList(),
            ResultDisplay.Best => BestOnly(eligible, RankAll(eligible, settings)),
            _ => throw new InvalidOperationException(),
        };
        var ranked = RankAll(shown, settings);
        return candidates.ToDictionary(
            c => c.EvaluationId,
            c => ranked.TryGetValue(c.EvaluationId, out var rank) ? rank : new EvaluationRank(c.EvaluationId, 0, 0, new Dictionary<string, int>()));
    }

    private static List<RankingCandidate> BestOnly(List<RankingCandidate> newestFirst, Dictionary<Guid, EvaluationRank> ranks) =>
        newestFirst
            .Where(c => ranks.ContainsKey(c.EvaluationId))
            .GroupBy(c => c.ParticipantKey)
            .Select(g => g.OrderBy(c => ranks[c.EvaluationId].Rank).First())
            .ToList();

    private static Dictionary<Guid, EvaluationRank> RankAll(List<RankingCandidate> members, RankingSettings settings)
    {
        var metrics = settings.RankedMetrics;
        var valid = members.Where(c => c.Metrics.All(v => v is { } x && double.IsFinite(x))).ToList();
        int Position(RankingCandidate c, int j) => 1 + valid.Count(o => metrics[j].Order == SortOrder.Descending
            ? o.Metrics[j] > c.Metrics[j]
            : o.Metrics[j] < c.Metrics[j]);
        double Score(RankingCandidate c)
        {
            var positions = Enumerable.Range(0, metrics.Count).Select(j => (double)Position(c, j)).ToList();
            var sorted = positions.Order().ToList();
            return settings.Method switch
            {
                ScoringMethod.Absolute => positions[0],
                ScoringMethod.MeanPosition => positions.Sum() / positions.Count,
                _ => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2,
            };
        }

        var scores = valid.ToDictionary(c => c.EvaluationId, Score);
        return valid.ToDictionary(
            c => c.EvaluationId,
            c => new EvaluationRank(
                c.EvaluationId,
                1 + scores.Values.Count(s => s < scores[c.EvaluationId]),
                scores[c.EvaluationId],
                Enumerable.Range(0, metrics.Count).ToDictionary(j => metrics[j].Path, j => Position(c, j))));
    }
}

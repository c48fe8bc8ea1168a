using System.Text.Json;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Evaluations.Ranking;

namespace GrandChallenge.Tests.Domain.Evaluations.Ranking;

[Trait("Category", "Unit")]
public sealed class MetricPathTests
{
    private const string Metrics = """
        {
          "score": 0.75,
          "count": 12,
          "tiny": -1.5e-3,
          "huge": 1e400,
          "text": "0.5",
          "flag": true,
          "off": false,
          "nan": null,
          "list": [1, 2, 3],
          "aggregates": {"dice": {"mean": 0.8125, "std": 0.1}, "$odd key": 3},
          "": {"": 7}
        }
        """;

    private static JsonElement Root() => JsonDocument.Parse(Metrics).RootElement;

    [Theory]
    [InlineData("score", 0.75)]
    [InlineData("count", 12)]
    [InlineData("tiny", -0.0015)]
    [InlineData("aggregates.dice.mean", 0.8125)]
    [InlineData("aggregates.$odd key", 3)]
    [InlineData(".", 7)]
    public void A_number_at_the_path_is_found(string path, double expected)
    {
        MetricPath.TryGetNumber(Root(), path, out var value).Should().BeTrue();
        value.Should().Be(expected);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("flag")]
    [InlineData("off")]
    [InlineData("nan")]
    [InlineData("huge")]
    [InlineData("list")]
    [InlineData("aggregates")]
    [InlineData("aggregates.dice")]
    public void Values_that_are_not_finite_numbers_are_not_numbers(string path)
    {
        MetricPath.TryGetNumber(Root(), path, out _).Should().BeFalse();
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("aggregates.dice.median")]
    [InlineData("score.value")]
    [InlineData("list.0")]
    [InlineData("$.score")]
    [InlineData("aggregates..dice")]
    [InlineData("Score")]
    public void Paths_are_plain_dotted_keys_not_jsonpath(string path)
    {
        MetricPath.TryGetValue(Root(), path, out _).Should().BeFalse();
        MetricPath.TryGetNumber(Root(), path, out _).Should().BeFalse();
    }

    [Fact]
    public void The_raw_value_of_any_kind_is_there_for_display()
    {
        var root = Root();

        MetricPath.TryGetValue(root, "text", out var text).Should().BeTrue();
        text.GetString().Should().Be("0.5");
        MetricPath.TryGetValue(root, "nan", out var nan).Should().BeTrue();
        nan.ValueKind.Should().Be(JsonValueKind.Null);
        MetricPath.TryGetValue(root, "aggregates.dice", out var dice).Should().BeTrue();
        dice.ValueKind.Should().Be(JsonValueKind.Object);
        MetricPath.TryGetValue(root, "flag", out var flag).Should().BeTrue();
        flag.GetBoolean().Should().BeTrue();
    }

    [Fact]
    public void Metrics_that_are_not_an_object_have_no_values()
    {
        MetricPath.TryGetNumber(JsonDocument.Parse("[0.5]").RootElement, "0", out _).Should().BeFalse();
        MetricPath.TryGetNumber(JsonDocument.Parse("0.5").RootElement, "score", out _).Should().BeFalse();
        MetricPath.TryGetNumber(default, "score", out _).Should().BeFalse();
    }

    [Fact]
    public void Settings_read_the_ranked_metrics_in_order_with_null_where_there_is_no_number()
    {
        var settings = new RankingSettings(
            "aggregates.dice.mean",
            SortOrder.Descending,
            [
                new ExtraResultColumn("count", "Count", SortOrder.Ascending),
                new ExtraResultColumn("text", "Text", SortOrder.Ascending, ExcludeFromRanking: true),
                new ExtraResultColumn("flag", "Flag", SortOrder.Descending),
            ],
            ScoringMethod.MeanPosition,
            ResultDisplay.All);

        settings.RankedPaths.Should().Equal("aggregates.dice.mean", "count", "flag");
        settings.ReadRankedMetrics(Metrics).Should().Equal(0.8125, 12, null);
        settings.ReadRankedMetrics(Root()).Should().Equal(0.8125, 12, null);
        settings.ReadRankedMetrics("not json").Should().Equal(new double?[3]);
        settings.ReadRankedMetrics((string?)null).Should().Equal(new double?[3]);
    }
}

using Bunit;
using GrandChallenge.Web.Components.Shared;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class ChartViewTests : BunitContextBase
{
    private const string Spec = """{"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"y": {"field": "a", "type": "quantitative"}}}""";
    private readonly BunitJSModuleInterop _module;

    public ChartViewTests() => _module = JSInterop.SetupModule("./js/chart.js");

    [Fact]
    public void The_spec_is_handed_to_the_chart_module_with_the_vendored_Vega_builds_once()
    {
        _module.Setup<string?>("render", _ => true).SetResult(null);

        var cut = Render<ChartView>(p => p.Add(c => c.Spec, Spec).Add(c => c.Name, "roc"));
        cut.Render();

        var render = _module.VerifyInvoke("render");
        render.Arguments[1].Should().Be(Spec);
        ((string[])render.Arguments[2]!).Should().Equal("lib/vega/vega.min.js", "lib/vega/vega-lite.min.js", "lib/vega/vega-embed.min.js");
        _module.Invocations["render"].Should().HaveCount(1, "the same spec is not drawn again on every render");
        cut.Find("[data-chart='roc']").Should().NotBeNull();
        cut.FindAll("[data-chart-error]").Should().BeEmpty();
    }

    [Fact]
    public void A_spec_the_browser_cannot_draw_says_why()
    {
        _module.Setup<string?>("render", _ => true).SetResult("charts may not load https://example.org/data.csv; put the data in the spec");

        var cut = Render<ChartView>(p => p.Add(c => c.Spec, """{"mark": "bar", "data": {"url": "https://example.org/data.csv"}}""").Add(c => c.Name, "roc"));

        cut.WaitForAssertion(() => cut.Find("[data-chart-error='roc']").TextContent.Should().Contain("charts may not load https://example.org/data.csv"));
    }
}

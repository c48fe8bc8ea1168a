using GrandChallenge.Web.Features.Challenges;

namespace GrandChallenge.Tests.Web.Challenges;

[Trait("Category", "Unit")]
public sealed class MarkdownRendererTests
{
    private readonly MarkdownRenderer _renderer = new();

    [Fact]
    public void Markdown_becomes_html_with_tables_links_and_emphasis()
    {
        var html = _renderer.ToHtml("## Data\n\nSee **the** [rules](https://example.org/rules).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");

        html.Should().Contain("<h2>Data</h2>").And.Contain("<strong>the</strong>")
            .And.Contain("<a href=\"https://example.org/rules\">rules</a>").And.Contain("<table>").And.Contain("<td>2</td>");
    }

    [Theory]
    [InlineData("<script>alert('x')</script>Hello")]
    [InlineData("<img src=\"x.png\" onerror=\"alert('x')\">")]
    [InlineData("[click](javascript:alert('x'))")]
    [InlineData("<a href=\"javascript:alert('x')\">click</a>")]
    [InlineData("<a href=\"JaVaScRiPt:alert('x')\">click</a>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    [InlineData("<div onclick=\"alert('x')\" style=\"background:url(javascript:alert('x'))\">x</div>")]
    [InlineData("<form action=\"https://evil.example\"><input name=\"password\"></form>")]
    [InlineData("<svg><script>alert('x')</script></svg>")]
    [InlineData("<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgneCcpPC9zY3JpcHQ+\">x</a>")]
    public void No_script_survives(string markdown)
    {
        var html = _renderer.ToHtml(markdown).ToLowerInvariant();

        html.Should().NotContain("<script").And.NotContain("onerror").And.NotContain("onclick").And.NotContain("javascript:")
            .And.NotContain("<iframe").And.NotContain("<form").And.NotContain("<input").And.NotContain("data:text/html");
    }

    [Fact]
    public void Harmless_html_and_images_stay()
    {
        var html = _renderer.ToHtml("<details><summary>More</summary>Text</details>\n\n![logo](https://example.org/logo.png)");

        html.Should().Contain("<details>").And.Contain("<summary>More</summary>").And.Contain("<img src=\"https://example.org/logo.png\" alt=\"logo\">");
    }
}

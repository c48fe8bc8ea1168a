using Bunit;
using GrandChallenge.Web.Components.Shared;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class NotFoundPageTests : BunitContextBase
{
    [Fact]
    public void Shows_404_and_a_link_back_to_the_home_page()
    {
        var page = Render<NotFoundPage>();

        page.Markup.Should().Contain("404");
        page.Markup.Should().Contain("We could not find that page.");
        var home = page.Find("a[href='/']");
        home.TextContent.Trim().Should().Be("Go to the home page");
    }
}

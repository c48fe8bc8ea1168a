using Bunit;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Web.Components.Layout;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class NavMenuTests : BunitContextBase
{
    private static readonly string[] PublicSections = ["Challenges", "Algorithms", "Reader studies", "Archives", "Workstations"];

    [Fact]
    public void Anonymous_visitor_sees_the_public_sections_and_no_admin_link()
    {
        AddAuthorization().SetNotAuthorized();

        var links = LinkTexts(Render<NavMenu>());

        links.Should().Contain(PublicSections);
        links.Should().NotContain("Admin");
        links.Should().NotContain("Profile");
        links.Should().NotContain("Uploads");
    }

    [Fact]
    public void Site_admin_sees_the_admin_link()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("root");
        auth.SetRoles(SiteRoles.SiteAdmin);

        var menu = Render<NavMenu>();

        LinkTexts(menu).Should().Contain("Admin");
        menu.Find("a[href='admin']").TextContent.Should().Contain("Admin");
    }

    [Fact]
    public void Signed_in_user_without_the_admin_role_sees_their_account_links_but_no_admin_link()
    {
        AddAuthorization().SetAuthorized("alice");

        var links = LinkTexts(Render<NavMenu>());

        links.Should().Contain(PublicSections);
        links.Should().Contain(["Profile", "Uploads", "API tokens"]);
        links.Should().NotContain("Admin");
    }

    private static List<string> LinkTexts(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a.mud-nav-link").Select(a => a.TextContent.Trim()).ToList();
}

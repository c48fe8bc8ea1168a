using System.Security.Claims;
using Bunit;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Features.Challenges;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Components;

/// <summary>The challenge header and menu, and the home page that uses it, on real services over an in-memory database.</summary>
[Trait("Category", "Unit")]
public sealed class ChallengeNavTests : BunitContextBase
{
    private readonly InMemoryDatabase _db = new();
    private readonly ChangeNotifier _notifier = new();
    private readonly Challenge _challenge = new() { ShortName = "nav-test", Title = "Navigation test" };
    private readonly ApplicationUser _admin = new() { UserName = "navadmin", Email = "navadmin@example.org" };

    public ChallengeNavTests()
    {
        var permissions = new PermissionService(_db);
        var access = new ChallengeAccess(_db, permissions);
        Services.AddSingleton<IChangeNotifier>(_notifier);
        Services.AddSingleton<IChallengeAccess>(access);
        Services.AddSingleton<IChallengeNavigation>(new ChallengeNavigation(_db, access));
        Services.AddSingleton<IChallengePageService>(new ChallengePageService(_db, access, _notifier));
        Services.AddSingleton(new MarkdownRenderer());

        using var db = _db.CreateDbContext();
        db.Users.Add(_admin);
        db.Challenges.Add(_challenge);
        db.ChallengePages.AddRange(
            new ChallengePage
            {
                ChallengeId = _challenge.Id,
                Slug = "home",
                Title = "Home",
                Order = 0,
                ContentMarkdown = "# Welcome\n\n<script>alert('x')</script>\n\n<img src=\"x.png\" onerror=\"alert('x')\">\n\n[rules](javascript:alert('x'))"
            },
            new ChallengePage { ChallengeId = _challenge.Id, Slug = "data", Title = "Data", Order = 1, Visibility = PageVisibility.Participants },
            new ChallengePage { ChallengeId = _challenge.Id, Slug = "faq", Title = "FAQ", Order = 2, Hidden = true },
            new ChallengePage { ChallengeId = _challenge.Id, Slug = "notes", Title = "Notes", Order = 3, Visibility = PageVisibility.Admins });
        db.Phases.AddRange(
            new Phase { ChallengeId = _challenge.Id, Slug = "final", Title = "Final", OpenAt = DateTimeOffset.UtcNow.AddDays(30) },
            new Phase { ChallengeId = _challenge.Id, Slug = "preliminary", Title = "Preliminary", OpenAt = DateTimeOffset.UtcNow.AddDays(-1) },
            new Phase { ChallengeId = _challenge.Id, Slug = "secret", Title = "Secret", Public = false });
        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Challenge, ObjectId = _challenge.Id, Role = ObjectRoles.Admin, UserId = _admin.Id });
        db.SaveChanges();
    }

    protected override void Dispose(bool disposing)
    {
        _db.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public void Visitors_see_the_readable_pages_and_the_public_phases_with_their_links_and_a_join_button()
    {
        AddAuthorization().SetNotAuthorized();

        var nav = Render<ChallengeNav>(p => p.Add(c => c.ShortName, "nav-test"));

        nav.WaitForAssertion(() => nav.Find("#challenge-title").TextContent.Should().Be("Navigation test"));
        nav.FindAll("[data-page]").Select(e => e.GetAttribute("data-page")).Should().Equal("home");
        nav.FindAll("[data-phase]").Select(e => e.GetAttribute("data-phase")).Should().Equal("preliminary", "final");
        var links = nav.FindAll("#challenge-phase-links a").Select(a => a.GetAttribute("href")).ToList();
        links.Should().Equal(
            "/challenges/nav-test/phases/preliminary/leaderboard", "/challenges/nav-test/phases/preliminary/submit",
            "/challenges/nav-test/phases/final/leaderboard", "/challenges/nav-test/phases/final/submit");
        nav.Find("#challenge-phases-link").GetAttribute("href").Should().Be("/challenges/nav-test/phases");
        nav.Find("#challenge-join").GetAttribute("href").Should().Be("/challenges/nav-test/register");
        nav.FindAll("#challenge-admin-link").Should().BeEmpty();
    }

    [Fact]
    public void Admins_also_see_admin_pages_hidden_phases_and_the_admin_link_but_no_join_button()
    {
        AddAuthorization().SetAuthorized("navadmin").SetClaims(new Claim(ClaimTypes.NameIdentifier, _admin.Id.ToString()));

        var nav = Render<ChallengeNav>(p => p.Add(c => c.ShortName, "nav-test").Add(c => c.Active, "data"));

        nav.WaitForAssertion(() => nav.FindAll("[data-page]").Select(e => e.GetAttribute("data-page")).Should().Equal("home", "data", "notes"));
        nav.FindAll("[data-phase]").Select(e => e.GetAttribute("data-phase")).Should().Equal("secret", "preliminary", "final");
        nav.Find("#challenge-admin-link").GetAttribute("href").Should().Be("/challenges/nav-test/admin");
        nav.FindAll("#challenge-join").Should().BeEmpty();
    }

    [Fact]
    public void The_menu_follows_changes_to_the_challenge_live()
    {
        AddAuthorization().SetNotAuthorized();
        var nav = Render<ChallengeNav>(p => p.Add(c => c.ShortName, "nav-test"));
        nav.WaitForAssertion(() => nav.FindAll("[data-page]").Should().HaveCount(1));

        using (var db = _db.CreateDbContext())
        {
            db.ChallengePages.Add(new ChallengePage { ChallengeId = _challenge.Id, Slug = "rules", Title = "Rules", Order = 4 });
            db.SaveChanges();
        }

        _notifier.Publish(ChallengeTopics.Challenge(_challenge.Id));

        nav.WaitForAssertion(() => nav.FindAll("[data-page]").Select(e => e.GetAttribute("data-page")).Should().Equal("home", "rules"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void The_home_page_renders_its_markdown_without_any_script()
    {
        AddAuthorization().SetNotAuthorized();

        var page = Render<ChallengeHomePage>(p => p.Add(c => c.ShortName, "nav-test"));

        page.WaitForAssertion(() => page.Find("#page-content h1").TextContent.Should().Be("Welcome"));
        var content = page.Find("#page-content").InnerHtml.ToLowerInvariant();
        content.Should().NotContain("<script").And.NotContain("onerror").And.NotContain("javascript:");
        content.Should().Contain("<img src=\"x.png\">").And.Contain("rules");
    }

    [Fact]
    public void A_participants_page_tells_visitors_to_join()
    {
        AddAuthorization().SetNotAuthorized();

        var page = Render<ChallengeHomePage>(p => p.Add(c => c.ShortName, "nav-test").Add(c => c.Slug, "data"));

        page.WaitForAssertion(() => page.Find("#page-denied").TextContent.Should().Contain("Only participants of this challenge can read this page."));
        page.FindAll("#page-content").Should().BeEmpty();
    }
}

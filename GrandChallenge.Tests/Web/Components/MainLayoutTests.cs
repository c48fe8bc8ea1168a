using System.Security.Claims;
using Bunit;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Components.Layout;
using GrandChallenge.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class MainLayoutTests : BunitContextBase
{
    private readonly InMemoryDatabase _db = new();
    private readonly ChangeNotifier _notifier = new();
    private readonly NotificationService _notifications;

    public MainLayoutTests()
    {
        _notifications = new NotificationService(_db, _notifier, TimeProvider.System);
        Services.AddSingleton<IChangeNotifier>(_notifier);
        Services.AddSingleton<INotificationService>(_notifications);
    }

    protected override void Dispose(bool disposing)
    {
        _db.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public async Task The_bell_shows_the_unread_count_and_follows_new_notifications_live()
    {
        var user = new ApplicationUser { UserName = "bella", Email = "bella@example.org" };
        await using (var db = _db.CreateDbContext())
        {
            db.Users.Add(user);
            await db.SaveChangesAsync();
        }

        var notifications = _notifications;
        await notifications.NotifyAsync([user.Id], "Earlier news");
        AddAuthorization().SetAuthorized("bella").SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));

        var layout = RenderLayout(Text("Page body"));

        layout.Find("#notifications-unread").GetAttribute("data-unread").Should().Be("1");
        layout.Find("#notification-bell").GetAttribute("href").Should().Be("/notifications");

        await notifications.NotifyAsync([user.Id], "Your registration was accepted.");

        layout.WaitForAssertion(() => layout.Find("#notifications-unread").GetAttribute("data-unread").Should().Be("2"), TimeSpan.FromSeconds(10));
        await notifications.MarkAllReadAsync(user.Id);
        layout.WaitForAssertion(() => layout.Find("#notifications-unread").GetAttribute("data-unread").Should().Be("0"), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Anonymous_visitor_sees_log_in_and_register()
    {
        AddAuthorization().SetNotAuthorized();

        var layout = RenderLayout(Text("Page body"));

        layout.Find("#login-link").TextContent.Trim().Should().Be("Log in");
        layout.Find("#login-link").GetAttribute("href").Should().Be("account/login");
        layout.Find("#register-link").TextContent.Trim().Should().Be("Register");
        layout.FindAll("#logout-button").Should().BeEmpty();
        layout.FindAll("#profile-link").Should().BeEmpty();
        layout.Markup.Should().Contain("Page body");
    }

    [Fact]
    public void Signed_in_user_sees_their_name_and_a_log_out_form_with_an_antiforgery_token()
    {
        AddAuthorization().SetAuthorized("alice");

        var layout = RenderLayout(Text("Page body"));

        layout.Find("#profile-link").TextContent.Trim().Should().Be("alice");
        layout.Find("#logout-button").TextContent.Trim().Should().Be("Log out");
        var form = layout.Find("form[action='account/logout']");
        form.GetAttribute("method").Should().Be("post");
        form.QuerySelector("input[name='__RequestVerificationToken']")!.GetAttribute("value").Should().Be(AntiforgeryTokenValue);
        layout.FindAll("#login-link").Should().BeEmpty();
        layout.FindAll("#register-link").Should().BeEmpty();
    }

    [Fact]
    public void A_page_that_throws_while_rendering_is_replaced_by_the_error_boundary_and_the_layout_survives()
    {
        AddAuthorization().SetNotAuthorized();

        var layout = RenderLayout(builder =>
        {
            builder.OpenComponent<ThrowingComponent>(0);
            builder.CloseComponent();
        });

        layout.Find("#error-boundary").TextContent.Should().Contain("This part of the page failed.");
        layout.Find("#error-boundary button").TextContent.Trim().Should().Be("Try again");
        layout.Find("#login-link").Should().NotBeNull("the app bar outside the boundary keeps working");
        layout.Markup.Should().NotContain(ThrowingComponent.Message);
    }

    [Fact]
    public void Theme_toggle_in_light_mode_stores_dark()
    {
        AddAuthorization().SetNotAuthorized();
        var layout = RenderLayout(Text("Page body"));

        layout.Find("#theme-toggle").Click();

        JSInterop.VerifyInvoke("grandChallenge.setTheme").Arguments.Should().Equal("dark");
    }

    [Fact]
    public void Theme_toggle_starts_from_the_theme_of_the_cookie_and_switches_back_to_light()
    {
        AddAuthorization().SetNotAuthorized();
        var layout = Render<CascadingValue<ThemeState>>(parameters => parameters
            .Add(p => p.Value, new ThemeState(DarkMode: true))
            .Add(p => p.IsFixed, true)
            .AddChildContent<MainLayout>(layoutParameters => layoutParameters.Add(p => p.Body, Text("Page body")).SetAssignedRenderMode(RenderMode.InteractiveServer)));

        layout.Find("#theme-toggle").Click();
        layout.Find("#theme-toggle").Click();

        JSInterop.VerifyInvoke("grandChallenge.setTheme", calledTimes: 2)
            .Select(invocation => invocation.Arguments.Single())
            .Should().Equal("light", "dark");
    }

    private IRenderedComponent<MainLayout> RenderLayout(RenderFragment body) =>
        Render<MainLayout>(parameters => parameters.Add(p => p.Body, body).SetAssignedRenderMode(RenderMode.InteractiveServer));

    [Fact]
    public void On_a_static_page_the_theme_toggle_is_a_plain_button_that_stores_the_choice_by_script()
    {
        AddAuthorization().SetNotAuthorized();
        var layout = Render<MainLayout>(parameters => parameters.Add(p => p.Body, Text("Static page")));

        layout.Find("#theme-toggle").GetAttribute("onclick").Should().Contain("grandChallenge.setTheme('dark')").And.Contain("location.reload()");
        layout.FindAll("[aria-label='Toggle navigation']").Should().BeEmpty("the drawer cannot be toggled without a circuit");
    }

    private static RenderFragment Text(string text) => builder => builder.AddContent(0, text);

    private sealed class ThrowingComponent : ComponentBase
    {
        public const string Message = "Simulated failure while rendering";

        protected override void BuildRenderTree(RenderTreeBuilder builder) => throw new InvalidOperationException(Message);
    }
}

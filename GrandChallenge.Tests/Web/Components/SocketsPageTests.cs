using System.Security.Claims;
using Bunit;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Web.Features.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Components;

[Trait("Category", "Unit")]
public sealed class SocketsPageTests : BunitContextBase
{
    private readonly InMemoryDatabase _db = new();

    public SocketsPageTests()
    {
        Services.AddSingleton<ISocketService>(new SocketService(_db));
        AddAuthorization().SetAuthorized("admin").SetRoles(SiteRoles.SiteAdmin)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()));
    }

    protected override void Dispose(bool disposing)
    {
        _db.Dispose();
        base.Dispose(disposing);
    }

    [Fact]
    public async Task The_page_lists_sockets_and_shows_field_errors_next_to_their_fields()
    {
        await DefaultSockets.EnsureAsync(_db);
        var page = Render<SocketsPage>();

        page.Find("#socket-table").TextContent.Should().Contain("Predictions ZIP File").And.Contain("predictions.zip").And.Contain("reserved");

        page.Find("input#socket-title").Change("Results JSON File");
        page.Find("input#socket-path").Change("images/results.txt");
        await page.InvokeAsync(() => page.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("JSON"));
        page.Find("#socket-create").Click();

        page.WaitForAssertion(() => page.Find("#socket-error").TextContent.Should().Contain("not created"), TimeSpan.FromSeconds(15));
        page.FindAll(".mud-input-helper-text.mud-input-error").Select(e => e.TextContent.Trim()).Should().Contain(
            ["A socket titled 'Results JSON File' already exists.", "Relative path should end with .json."]);
        _db.CreateDbContext().Sockets.Count().Should().Be(DefaultSockets.All.Count);
    }

    [Fact]
    public async Task A_valid_socket_is_created_and_appears_in_the_list()
    {
        var page = Render<SocketsPage>();

        page.Find("input#socket-title").Change("Lesion count");
        page.Find("input#socket-path").Change("lesion-count.json");
        await page.InvokeAsync(() => page.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("INT"));
        page.Find("#socket-create").Click();

        page.WaitForAssertion(() => page.Find("#socket-created").TextContent.Should().Contain("lesion-count"), TimeSpan.FromSeconds(15));
        page.Find("#socket-table").TextContent.Should().Contain("Lesion count").And.Contain("Integer").And.Contain("Value");
        var socket = _db.CreateDbContext().Sockets.Single();
        socket.StoreInDatabase.Should().BeTrue("choosing a JSON kind turns storage in the database on");
    }
}

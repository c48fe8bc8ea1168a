using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace GrandChallenge.Tests.Web.Components;

/// <summary>
/// A bUnit context set up the way MudBlazor's own tests do: MudBlazor's services and a loose JS runtime,
/// so MudBlazor's interop calls return defaults and a test verifies only the calls it cares about.
/// </summary>
public abstract class BunitContextBase : BunitContext, IAsyncLifetime
{
    public const string AntiforgeryTokenValue = "test-antiforgery-token";

    protected BunitContextBase()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        // <AntiforgeryToken /> silently renders nothing without a provider; the real one needs an HTTP request.
        Services.AddSingleton<AntiforgeryStateProvider, FixedAntiforgeryStateProvider>();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor registers services that are only IAsyncDisposable, so the container must be disposed asynchronously;
    // xUnit 2 disposes test classes synchronously, which would throw. The later synchronous Dispose is then a no-op.
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private sealed class FixedAntiforgeryStateProvider : AntiforgeryStateProvider
    {
        public override AntiforgeryRequestToken GetAntiforgeryToken() => new(AntiforgeryTokenValue, "__RequestVerificationToken");
    }
}

using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>
/// What the evaluation pages share: who is asking, how a page refuses (404 for what the actor may not know exists,
/// 403 for what they may see but not use, the login page for anonymous visitors), and change-notifier subscriptions
/// that end with the page.
/// </summary>
public abstract class EvaluationPageBase : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Dictionary<string, IDisposable> _keyed = [];
    private bool _reloadScheduled;
    private bool _reloadAgain;
    private bool _disposed;

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    /// <summary>Set while the page is prerendered, so a refusal also carries the right status code; null once interactive.</summary>
    [CascadingParameter] private HttpContext? HttpContext { get; set; }

    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    [Inject] protected IChangeNotifier Notifier { get; set; } = default!;

    [Inject] private ILogger<EvaluationPageBase> Logger { get; set; } = default!;

    protected Actor Actor { get; private set; } = Actor.Anonymous;

    /// <summary>The page is refused: it shows the not-found or access-denied view instead of its content.</summary>
    protected PageRefusal Refusal { get; private set; }

    protected async Task<Actor> ReadActorAsync()
    {
        Actor = Actor.From((await AuthState).User);
        Refusal = PageRefusal.None;
        return Actor;
    }

    protected void RefuseNotFound()
    {
        Refusal = PageRefusal.NotFound;
        Navigation.NotFound();
    }

    /// <summary>Anonymous visitors are sent to the login page (they may be an admin who has not signed in); others see 403.</summary>
    protected void RefuseForbidden()
    {
        if (!Actor.IsAuthenticated)
        {
            Refusal = PageRefusal.SignIn;
            return;
        }

        Refusal = PageRefusal.Forbidden;
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
        }
    }

    /// <summary>Calls <paramref name="onMessage"/> on the renderer's thread for every message on <paramref name="topic"/>, until the page closes.</summary>
    protected void Listen(string topic, Func<object?, Task> onMessage) =>
        _subscriptions.Add(Notifier.Subscribe(topic, payload => InvokeAsync(() => onMessage(payload))));

    /// <summary>Runs <paramref name="reload"/> (coalesced, see <see cref="CoalesceAsync"/>) and re-renders whenever <paramref name="topic"/> announces a change.</summary>
    protected void ReloadOn(string topic, Func<Task> reload, int delayMs = 200) =>
        _subscriptions.Add(SubscribeReload(topic, reload, delayMs));

    /// <summary>Like <see cref="ReloadOn(string, Func{Task}, int)"/>, once per key, until <see cref="StopListeningExcept"/> drops the key.</summary>
    protected void ReloadOn(string key, string topic, Func<Task> reload, int delayMs = 200)
    {
        if (!_keyed.ContainsKey(key))
        {
            _keyed[key] = SubscribeReload(topic, reload, delayMs);
        }
    }

    // The notifier hands a subscriber its messages one at a time and waits for each handler, so the handler only
    // schedules the reload: later messages then find one scheduled and join it instead of queueing reloads of their own.
    private IDisposable SubscribeReload(string topic, Func<Task> reload, int delayMs) =>
        Notifier.Subscribe(topic, _ => InvokeAsync(() => { _ = CoalesceAsync(reload, delayMs); }));

    /// <summary>Stops the keyed subscriptions whose key is not in <paramref name="keep"/>.</summary>
    protected void StopListeningExcept(IReadOnlySet<string> keep)
    {
        foreach (var key in _keyed.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            _keyed[key].Dispose();
            _keyed.Remove(key);
        }
    }

    protected void StopListening()
    {
        _subscriptions.ForEach(s => s.Dispose());
        _subscriptions.Clear();
        StopListeningExcept(new HashSet<string>());
    }

    /// <summary>
    /// Runs <paramref name="reload"/> soon, once for a burst of changes, and never twice at a time: a phase with thousands
    /// of evaluations finishing re-ranks often, and the page need only show the latest state. Changes that arrive while
    /// a reload runs cause one more. Runs on the renderer's thread, so its flags need no locks.
    /// </summary>
    private async Task CoalesceAsync(Func<Task> reload, int delayMs)
    {
        if (_reloadScheduled)
        {
            _reloadAgain = true;
            return;
        }

        _reloadScheduled = true;
        try
        {
            do
            {
                await Task.Delay(delayMs);
                _reloadAgain = false;
                if (_disposed)
                {
                    return;
                }

                await reload();
                StateHasChanged();
            }
            while (_reloadAgain);
        }
        catch (Exception e) when (!_disposed)
        {
            // Nobody awaits a background reload; the page keeps what it shows, and the next change tries again.
            Logger.LogWarning(e, "Reloading {Page} after a change failed.", GetType().Name);
        }
        finally
        {
            _reloadScheduled = false;
        }
    }

    protected string LoginUrl =>
        $"account/login?returnUrl={Uri.EscapeDataString("/" + Navigation.ToBaseRelativePath(Navigation.Uri))}";

    public void Dispose()
    {
        _disposed = true;
        StopListening();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

public enum PageRefusal
{
    None,
    NotFound,
    Forbidden,
    SignIn,
}

using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace GrandChallenge.Web.Features.Challenges;

/// <summary>
/// A page under <c>/challenges/{ShortName}</c>: finds the challenge as the visitor sees it (a hidden one answers 404 to
/// non-members, like everywhere else) and reloads when the challenge or a topic the page names changes.
/// </summary>
public abstract class ChallengePageBase : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    [Parameter] public string ShortName { get; set; } = "";

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    [Inject] protected IChallengeAccess Access { get; set; } = default!;
    [Inject] protected NavigationManager Navigation { get; set; } = default!;
    [Inject] protected IChangeNotifier Notifier { get; set; } = default!;

    protected Actor Actor { get; private set; } = Actor.Anonymous;

    /// <summary>Null until loaded, and when the challenge is not there for the visitor (then the 404 page shows).</summary>
    protected ChallengeAccessContext? Context { get; private set; }

    /// <summary>Topics besides the challenge's own that make the page reload.</summary>
    protected virtual IEnumerable<string> Topics(Guid challengeId) => [];

    protected override async Task OnParametersSetAsync()
    {
        Actor = Actor.From((await AuthState).User);
        Context = await Access.FindAsync(Actor, ShortName);
        DisposeSubscriptions();
        if (Context is null)
        {
            Navigation.NotFound();
            return;
        }

        foreach (var topic in Topics(Context.Challenge.Id).Prepend(ChallengeTopics.Challenge(Context.Challenge.Id)))
        {
            _subscriptions.Add(Notifier.Subscribe(topic, _ => InvokeAsync(ReloadAsync)));
        }

        await LoadAsync();
    }

    /// <summary>Reads what the page shows; <see cref="Context"/> is set.</summary>
    protected abstract Task LoadAsync();

    protected async Task ReloadAsync()
    {
        Context = await Access.FindAsync(Actor, ShortName);
        if (Context is not null)
        {
            await LoadAsync();
        }

        StateHasChanged();
    }

    private void DisposeSubscriptions()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
    }

    public void Dispose()
    {
        DisposeSubscriptions();
        GC.SuppressFinalize(this);
    }
}

using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace GrandChallenge.Web.Features.Components;

public partial class SocketsPage
{
    private readonly SocketEditModel model = new();
    private IReadOnlyList<Socket> sockets = [];
    private IReadOnlyDictionary<string, string[]> fieldErrors = new Dictionary<string, string[]>();
    private string? generalError;
    private Socket? created;
    private bool busy;
    private string search = "";

    [Inject] private ISocketService Sockets { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    private SocketKind? SelectedKind => SocketKinds.Find(model.Kind);

    private string PathHelp => SelectedKind switch
    {
        null => "Where the value sits under /input or /output.",
        { IsImage: true } => "A folder under images/, e.g. images/ct-scan (no extension).",
        var kind => $"A file ending in {kind.Extension}, not under images/.",
    };

    protected override async Task OnInitializedAsync() => sockets = await Sockets.ListAsync();

    private void KindChanged(string? code)
    {
        model.Kind = code;
        model.StoreInDatabase = SelectedKind?.MayStoreInDatabase ?? false;
    }

    private async Task CreateAsync()
    {
        busy = true;
        created = null;
        generalError = null;
        var actor = Actor.From((await AuthState).User);
        var result = await Sockets.CreateAsync(actor, model.ToDraft());
        if (result.Succeeded)
        {
            created = result.Value;
            fieldErrors = new Dictionary<string, string[]>();
            model.Clear();
            sockets = await Sockets.ListAsync();
        }
        else
        {
            fieldErrors = result.FieldErrors ?? new Dictionary<string, string[]>();
            generalError = result.FieldErrors is null ? result.Error : "The socket was not created: see the fields marked in red.";
        }

        busy = false;
    }

    private bool HasError(string property) => fieldErrors.ContainsKey(SocketEditModel.FieldName(property));

    private string? ErrorFor(string property) =>
        fieldErrors.TryGetValue(SocketEditModel.FieldName(property), out var messages) ? string.Join(" ", messages) : null;

    private bool Matches(Socket socket) =>
        search.Length == 0
        || socket.Title.Contains(search, StringComparison.OrdinalIgnoreCase)
        || socket.Slug.Contains(search, StringComparison.OrdinalIgnoreCase)
        || socket.RelativePath.Contains(search, StringComparison.OrdinalIgnoreCase)
        || socket.KindInfo.Label.Contains(search, StringComparison.OrdinalIgnoreCase);
}

using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace GrandChallenge.Web.Features.Components;

public partial class SocketsPage
{
    private readonly SocketEditModel _model = new();
    private IReadOnlyList<Socket> _sockets = [];
    private IReadOnlyDictionary<string, string[]> _fieldErrors = new Dictionary<string, string[]>();
    private string? _generalError;
    private Socket? _created;
    private bool _busy;
    private string _search = "";

    [Inject] private ISocketService Sockets { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthState { get; set; } = default!;

    private SocketKind? SelectedKind => SocketKinds.Find(_model.Kind);

    private string PathHelp => SelectedKind switch
    {
        null => "Where the value sits under /input or /output.",
        { IsImage: true } => "A folder under images/, e.g. images/ct-scan (no extension).",
        var kind => $"A file ending in {kind.Extension}, not under images/.",
    };

    protected override async Task OnInitializedAsync() => _sockets = await Sockets.ListAsync();

    private void KindChanged(string? code)
    {
        _model.Kind = code;
        _model.StoreInDatabase = SelectedKind?.MayStoreInDatabase ?? false;
    }

    private async Task CreateAsync()
    {
        _busy = true;
        _created = null;
        _generalError = null;
        var actor = Actor.From((await AuthState).User);
        var result = await Sockets.CreateAsync(actor, _model.ToDraft());
        if (result.Succeeded)
        {
            _created = result.Value;
            _fieldErrors = new Dictionary<string, string[]>();
            _model.Clear();
            _sockets = await Sockets.ListAsync();
        }
        else
        {
            _fieldErrors = result.FieldErrors ?? new Dictionary<string, string[]>();
            _generalError = result.FieldErrors is null ? result.Error : "The socket was not created: see the fields marked in red.";
        }

        _busy = false;
    }

    private bool HasError(string property) => _fieldErrors.ContainsKey(SocketEditModel.FieldName(property));

    private string? ErrorFor(string property) =>
        _fieldErrors.TryGetValue(SocketEditModel.FieldName(property), out var messages) ? string.Join(" ", messages) : null;

    private bool Matches(Socket socket) =>
        _search.Length == 0
        || socket.Title.Contains(_search, StringComparison.OrdinalIgnoreCase)
        || socket.Slug.Contains(_search, StringComparison.OrdinalIgnoreCase)
        || socket.RelativePath.Contains(_search, StringComparison.OrdinalIgnoreCase)
        || socket.KindInfo.Label.Contains(_search, StringComparison.OrdinalIgnoreCase);
}

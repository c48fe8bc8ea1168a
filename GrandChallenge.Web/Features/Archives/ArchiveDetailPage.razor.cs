using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Components;
using GrandChallenge.Web.Features.Challenges;
using GrandChallenge.Web.Features.Evaluation;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GrandChallenge.Web.Features.Archives;

/// <summary>An archive: its description, settings for editors, an item form for uploaders, and the _items table, live.</summary>
public partial class ArchiveDetailPage : EvaluationPageBase
{
    private const int PageSize = 50;

    [Parameter] public string Slug { get; set; } = "";

    [Inject] private IArchiveService Archives { get; set; } = default!;
    [Inject] private IArchiveItemService Items { get; set; } = default!;
    [Inject] private ISocketService Sockets { get; set; } = default!;
    [Inject] private MarkdownRenderer Markdown { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private ArchiveAccessContext? _context;
    private IReadOnlyList<ArchiveItemView> _items = [];
    private IReadOnlyList<string> _modalities = [];
    private IReadOnlyList<Socket> _sockets = [];
    private int _count;
    private int _shown = PageSize;
    private string _search = "";
    private string? _modality;

    private bool _editing;
    private string _settingsTitle = "";
    private string _settingsDescription = "";
    private string _settingsDetail = "";
    private bool _settingsPublic;
    private string? _settingsError;

    private string _newTitle = "";
    private string? _newSocket;
    private string _newValue = "";
    private string? _itemError;

    private Guid? _editItemId;
    private string? _editSocket;
    private string _editValue = "";
    private string? _editError;

    private string ValueLabel => _sockets.FirstOrDefault(s => s.Slug == _newSocket) is { } socket && socket.KindInfo.IsImage
        ? "Image id" : "Value (JSON)";

    protected override async Task OnParametersSetAsync()
    {
        await ReadActorAsync();
        StopListening();
        _context = await Archives.FindAsync(Actor, Slug);
        if (_context is null)
        {
            RefuseNotFound();
            return;
        }

        var archive = _context.Archive;
        (_settingsTitle, _settingsDescription, _settingsDetail, _settingsPublic) = (archive.Title, archive.Description, archive.Detail, archive.Public);
        ReloadOn(ArchiveTopics.Archive(archive.Id), ReloadArchiveAsync);
        ReloadOn(ArchiveTopics.Items(archive.Id), LoadItemsAsync);
        if (_context.CanUpload)
        {
            _sockets = (await Sockets.ListAsync()).Where(s => s.KindInfo.IsImage || s.SuperKind == SocketSuperKind.Value).ToList();
        }

        await LoadItemsAsync();
    }

    private async Task ReloadArchiveAsync()
    {
        _context = await Archives.FindAsync(Actor, _context!.Archive.Id.ToString());
        if (_context is null)
        {
            RefuseNotFound();
        }
    }

    private async Task LoadItemsAsync()
    {
        if (_context is null)
        {
            return;
        }

        var page = await Items.ListAsync(Actor, _context.Archive.Id, new ArchiveItemQuery(_search, _modality, 0, _shown));
        (_count, _items) = page.Succeeded ? (page.Value!.Count, page.Value.Items) : (0, []);
        _modalities = await Items.ModalitiesAsync(_context.Archive.Id);
    }

    private async Task SearchAsync(string text)
    {
        _search = text ?? "";
        await LoadItemsAsync();
    }

    private async Task FilterAsync(string? value)
    {
        _modality = value;
        await LoadItemsAsync();
    }

    private async Task MoreAsync()
    {
        _shown += PageSize;
        await LoadItemsAsync();
    }

    private async Task SaveSettingsAsync()
    {
        var result = await Archives.UpdateAsync(Actor, _context!.Archive.Id,
            new ArchiveSettings(_settingsTitle, _settingsDescription, _settingsDetail, _settingsPublic));
        _settingsError = result.Succeeded ? null : result.Error;
        if (result.Succeeded)
        {
            _editing = false;
            await ReloadArchiveAsync();
        }
    }

    private async Task AddItemAsync()
    {
        _itemError = null;
        var values = new List<ItemValueDraft>();
        if (_newSocket is { Length: > 0 } slug)
        {
            var socket = _sockets.First(s => s.Slug == slug);
            if (socket.KindInfo.IsImage)
            {
                if (!Guid.TryParse(_newValue.Trim().TrimEnd('/').Split('/')[^1], out var imageId))
                {
                    _itemError = "Give the image's id (or its address).";
                    return;
                }

                values.Add(ItemValueDraft.OfImage(slug, imageId));
            }
            else
            {
                JsonNode? json;
                try
                {
                    json = JsonNode.Parse(_newValue.Length == 0 ? "null" : _newValue);
                }
                catch (JsonException e)
                {
                    _itemError = $"The value is not valid JSON: {e.Message}";
                    return;
                }

                values.Add(ItemValueDraft.OfJson(slug, json));
            }
        }

        var result = await Items.CreateAsync(Actor, _context!.Archive.Id, _newTitle, values);
        if (!result.Succeeded)
        {
            _itemError = result.Error;
            return;
        }

        (_newTitle, _newValue) = ("", "");
        await LoadItemsAsync();
    }

    private Socket? EditSocket => _sockets.FirstOrDefault(s => s.Slug == _editSocket);

    private void StartEdit(Guid itemId)
    {
        (_editItemId, _editSocket, _editValue, _editError) = (itemId, null, "", null);
    }

    private async Task SetValueAsync()
    {
        _editError = null;
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(_editValue.Length == 0 ? "null" : _editValue);
        }
        catch (JsonException e)
        {
            _editError = $"The value is not valid JSON: {e.Message}";
            return;
        }

        var result = await Items.SetValueAsync(Actor, _editItemId!.Value, ItemValueDraft.OfJson(_editSocket!, json));
        if (!result.Succeeded)
        {
            _editError = result.Error;
            return;
        }

        _editValue = "";
        await LoadItemsAsync();
    }

    private async Task DeleteAsync(ArchiveItemView item)
    {
        var name = item.Title.Length > 0 ? $"the item '{item.Title}'" : "this item";
        if (await ConfirmAsync("Delete item", $"Delete {name} from the archive? Its images stay; the item cannot be restored.") != true)
        {
            return;
        }

        var result = await Items.DeleteAsync(Actor, item.Id);
        _itemError = result.Succeeded ? null : result.Error;
        if (result.Succeeded && _editItemId == item.Id)
        {
            _editItemId = null;
        }

        await LoadItemsAsync();
    }

    private async Task RemoveValueAsync(string socket)
    {
        var result = await Items.RemoveValueAsync(Actor, _editItemId!.Value, socket);
        _editError = result.Succeeded ? null : result.Error;
        await LoadItemsAsync();
    }

    private async Task DeleteArchiveAsync()
    {
        var archive = _context!.Archive;
        if (await ConfirmAsync("Delete archive",
                $"Delete the archive '{archive.Title}' with all its {_count} items and member roles? Its images stay; the archive cannot be restored.") != true)
        {
            return;
        }

        var result = await Archives.DeleteAsync(Actor, archive.Id);
        if (!result.Succeeded)
        {
            _settingsError = result.Error;
            _editing = true;
            return;
        }

        StopListening();
        Navigation.NavigateTo("/archives");
    }

    private Task<bool?> ConfirmAsync(string title, string message) =>
        Dialogs.ShowMessageBoxAsync(new MessageBoxOptions { Title = title, Message = message, YesText = "Delete", CancelText = "Cancel" });

    private static Guid? FirstImage(ArchiveItemView item) => item.Values.FirstOrDefault(v => v.ImageId is not null)?.ImageId;

    private static string Shorten(string json) => json.Length <= 80 ? json : json[..77] + "…";
}

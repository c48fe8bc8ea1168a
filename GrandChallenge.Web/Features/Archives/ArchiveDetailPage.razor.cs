using System.Text.Json;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Components;
using GrandChallenge.Web.Features.Challenges;
using GrandChallenge.Web.Features.Evaluation;
using Microsoft.AspNetCore.Components;

namespace GrandChallenge.Web.Features.Archives;

/// <summary>An archive: its description, settings for editors, an item form for uploaders, and the items table, live.</summary>
public partial class ArchiveDetailPage : EvaluationPageBase
{
    private const int PageSize = 50;

    [Parameter] public string Slug { get; set; } = "";

    [Inject] private IArchiveService Archives { get; set; } = default!;
    [Inject] private IArchiveItemService Items { get; set; } = default!;
    [Inject] private ISocketService Sockets { get; set; } = default!;
    [Inject] private MarkdownRenderer Markdown { get; set; } = default!;

    private ArchiveAccessContext? context;
    private IReadOnlyList<ArchiveItemView> items = [];
    private IReadOnlyList<string> modalities = [];
    private IReadOnlyList<Socket> sockets = [];
    private int count;
    private int shown = PageSize;
    private string search = "";
    private string? modality;

    private bool editing;
    private string settingsTitle = "";
    private string settingsDescription = "";
    private string settingsDetail = "";
    private bool settingsPublic;
    private string? settingsError;

    private string newTitle = "";
    private string? newSocket;
    private string newValue = "";
    private string? itemError;

    private string ValueLabel => sockets.FirstOrDefault(s => s.Slug == newSocket) is { } socket && socket.KindInfo.IsImage
        ? "Image id" : "Value (JSON)";

    protected override async Task OnParametersSetAsync()
    {
        await ReadActorAsync();
        StopListening();
        context = await Archives.FindAsync(Actor, Slug);
        if (context is null)
        {
            RefuseNotFound();
            return;
        }

        var archive = context.Archive;
        (settingsTitle, settingsDescription, settingsDetail, settingsPublic) = (archive.Title, archive.Description, archive.Detail, archive.Public);
        ReloadOn(ArchiveTopics.Archive(archive.Id), ReloadArchiveAsync);
        ReloadOn(ArchiveTopics.Items(archive.Id), LoadItemsAsync);
        if (context.CanUpload)
        {
            sockets = (await Sockets.ListAsync()).Where(s => s.KindInfo.IsImage || s.SuperKind == SocketSuperKind.Value).ToList();
        }

        await LoadItemsAsync();
    }

    private async Task ReloadArchiveAsync()
    {
        context = await Archives.FindAsync(Actor, context!.Archive.Id.ToString());
        if (context is null)
        {
            RefuseNotFound();
        }
    }

    private async Task LoadItemsAsync()
    {
        if (context is null)
        {
            return;
        }

        var page = await Items.ListAsync(Actor, context.Archive.Id, new ArchiveItemQuery(search, modality, 0, shown));
        (count, items) = page.Succeeded ? (page.Value!.Count, page.Value.Items) : (0, []);
        modalities = await Items.ModalitiesAsync(context.Archive.Id);
    }

    private async Task SearchAsync(string text)
    {
        search = text ?? "";
        await LoadItemsAsync();
    }

    private async Task FilterAsync(string? value)
    {
        modality = value;
        await LoadItemsAsync();
    }

    private async Task MoreAsync()
    {
        shown += PageSize;
        await LoadItemsAsync();
    }

    private async Task SaveSettingsAsync()
    {
        var result = await Archives.UpdateAsync(Actor, context!.Archive.Id,
            new ArchiveSettings(settingsTitle, settingsDescription, settingsDetail, settingsPublic));
        settingsError = result.Succeeded ? null : result.Error;
        if (result.Succeeded)
        {
            editing = false;
            await ReloadArchiveAsync();
        }
    }

    private async Task AddItemAsync()
    {
        itemError = null;
        var values = new List<ItemValueDraft>();
        if (newSocket is { Length: > 0 } slug)
        {
            var socket = sockets.First(s => s.Slug == slug);
            if (socket.KindInfo.IsImage)
            {
                if (!Guid.TryParse(newValue.Trim().TrimEnd('/').Split('/')[^1], out var imageId))
                {
                    itemError = "Give the image's id (or its address).";
                    return;
                }

                values.Add(ItemValueDraft.OfImage(slug, imageId));
            }
            else
            {
                JsonNode? json;
                try
                {
                    json = JsonNode.Parse(newValue.Length == 0 ? "null" : newValue);
                }
                catch (JsonException e)
                {
                    itemError = $"The value is not valid JSON: {e.Message}";
                    return;
                }

                values.Add(ItemValueDraft.OfJson(slug, json));
            }
        }

        var result = await Items.CreateAsync(Actor, context!.Archive.Id, newTitle, values);
        if (!result.Succeeded)
        {
            itemError = result.Error;
            return;
        }

        (newTitle, newValue) = ("", "");
        await LoadItemsAsync();
    }

    private async Task DeleteAsync(Guid itemId)
    {
        var result = await Items.DeleteAsync(Actor, itemId);
        itemError = result.Succeeded ? null : result.Error;
        await LoadItemsAsync();
    }

    private static Guid? FirstImage(ArchiveItemView item) => item.Values.FirstOrDefault(v => v.ImageId is not null)?.ImageId;

    private static string Shorten(string json) => json.Length <= 80 ? json : json[..77] + "…";
}

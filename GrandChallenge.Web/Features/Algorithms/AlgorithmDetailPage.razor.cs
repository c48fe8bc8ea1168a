using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Web.Features.Challenges;
using GrandChallenge.Web.Features.Evaluation;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GrandChallenge.Web.Features.Algorithms;

/// <summary>An algorithm: what it does, its interfaces and limits, access for users, and the editors' tabs; all live.</summary>
public partial class AlgorithmDetailPage : EvaluationPageBase
{
    [Parameter] public string Slug { get; set; } = "";

    [Inject] private IAlgorithmService Algorithms { get; set; } = default!;
    [Inject] private IContainerImageService Images { get; set; } = default!;
    [Inject] private IAlgorithmModelService Models { get; set; } = default!;
    [Inject] private MarkdownRenderer Markdown { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    private AlgorithmAccessContext? _context;
    private IReadOnlyList<AlgorithmInterfaceView> _interfaces = [];
    private ContainerImageInfo? _activeImage;
    private AlgorithmModel? _activeModel;
    private AlgorithmPermissionRequest? _ownRequest;
    private string? _requestError;
    private string? _deleteError;
    private int _tab;

    protected override async Task OnParametersSetAsync()
    {
        await ReadActorAsync();
        StopListening();
        _context = await Algorithms.FindAsync(Actor, Slug);
        if (_context is null)
        {
            RefuseNotFound();
            return;
        }

        var id = _context.Algorithm.Id;
        ReloadOn(AlgorithmTopics.Algorithm(id), ReloadAsync);
        Listen(ContainerImageConventions.AllTopic, async payload =>
        {
            if (payload is Guid imageId && _context is not null && (await Images.GetAsync(imageId))?.OwnerId == _context.Algorithm.Id)
            {
                await LoadStateAsync();
                StateHasChanged();
            }
        });
        await LoadStateAsync();
    }

    private async Task ReloadAsync()
    {
        if (_context is null)
        {
            return;
        }

        _context = await Algorithms.FindAsync(Actor, _context.Algorithm.Id.ToString());
        if (_context is null)
        {
            RefuseNotFound();
            return;
        }

        await LoadStateAsync();
    }

    private async Task LoadStateAsync()
    {
        var algorithm = _context!.Algorithm;
        _interfaces = await Algorithms.InterfacesAsync(algorithm);
        _activeImage = (await Images.ListOwnedAsync(ContainerImageKind.Algorithm, algorithm.Id))
            .FirstOrDefault(i => i.IsDesiredVersion && i.ImportStatus == ContainerImageImportStatus.Completed && i.IsManifestValid == true && !i.IsRemoved);
        _activeModel = _context.IsEditor ? (await Models.ListAsync(Actor, algorithm.Id)).Value?.FirstOrDefault(m => m.IsDesiredVersion) : null;
        _ownRequest = await Algorithms.OwnRequestAsync(Actor, algorithm.Id);
    }

    private async Task RequestAccessAsync()
    {
        var result = await Algorithms.RequestAccessAsync(Actor, _context!.Algorithm.Id);
        _requestError = result.Succeeded ? null : result.Error;
        await ReloadAsync();
    }

    private async Task DeleteAsync()
    {
        var algorithm = _context!.Algorithm;
        var confirmed = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = "Delete algorithm",
            Message = $"Delete the algorithm '{algorithm.Title}' with its container images, models, jobs and member roles? It cannot be restored.",
            YesText = "Delete",
            CancelText = "Cancel",
        });
        if (confirmed != true)
        {
            return;
        }

        var result = await Algorithms.DeleteAsync(Actor, algorithm.Id);
        if (!result.Succeeded)
        {
            _deleteError = result.Error;
            return;
        }

        StopListening();
        Navigation.NavigateTo("/algorithms");
    }
}

using GrandChallenge.Domain.Uploads;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace GrandChallenge.Web.Components.Shared;

public partial class ResumableUpload : IAsyncDisposable
{
    [Inject] private IJSRuntime JS { get; set; } = default!;

    /// <summary>Raised with the upload's id once the server has assembled and checked the file.</summary>
    [Parameter] public EventCallback<Guid> OnCompleted { get; set; }

    [Parameter] public string Id { get; set; } = "resumable-upload";

    [Parameter] public string Label { get; set; } = "Choose a file";

    [Parameter] public string? Class { get; set; }

    /// <summary>Size of each part sent, in MiB.</summary>
    [Parameter] public int PartSizeMiB { get; set; } = 8;

    /// <summary>The file picker's <c>accept</c> filter, e.g. <c>.tar,.gz,.xz</c>.</summary>
    [Parameter] public string? Accept { get; set; }

    /// <summary>The largest file the feature takes; a larger one is refused before anything is sent.</summary>
    [Parameter] public long? MaxBytes { get; set; }

    private ElementReference _input;
    private IJSObjectReference? _module;
    private DotNetObjectReference<ResumableUpload>? _self;
    private string? _fileName;
    private string? _completedName;
    private string? _status;
    private string? _error;
    private bool _busy;
    private long _loaded;
    private long _total;
    private double _bytesPerSecond;

    private double Percent => _total == 0 ? (_busy ? 0 : 100) : 100.0 * _loaded / _total;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        _module = await JS.InvokeAsync<IJSObjectReference>("import", $"./{Assets["js/resumable-upload.js"]}");
        _self = DotNetObjectReference.Create(this);
        await _module.InvokeVoidAsync("attach", _input, _self, new
        {
            partSize = PartSizeMiB * 1024 * 1024,
            maxBytes = MaxBytes,
            tooLarge = MaxBytes is { } max ? $"The file is larger than {ByteSize.Format(max)}, the most accepted here." : null,
        });
    }

    [JSInvokable]
    public Task ReportStarted(string name, long size) => InvokeAsync(() =>
    {
        (_fileName, _total, _loaded, _bytesPerSecond, _busy) = (name, size, 0, 0, true);
        (_status, _error, _completedName) = (null, null, null);
        StateHasChanged();
    });

    [JSInvokable]
    public Task ReportProgress(long bytesLoaded, long bytesTotal, double speed) => InvokeAsync(() =>
    {
        (_loaded, _total, _bytesPerSecond) = (bytesLoaded, bytesTotal, speed);
        StateHasChanged();
    });

    [JSInvokable]
    public Task ReportStatus(string text) => InvokeAsync(() =>
    {
        _status = text;
        StateHasChanged();
    });

    [JSInvokable]
    public Task ReportError(string message) => InvokeAsync(() =>
    {
        (_error, _busy, _status) = (message, false, null);
        StateHasChanged();
    });

    [JSInvokable]
    public Task ReportCancelled() => InvokeAsync(() =>
    {
        (_fileName, _busy, _status) = (null, false, "The upload was cancelled.");
        StateHasChanged();
    });

    [JSInvokable]
    public async Task ReportCompleted(string uploadId)
    {
        await InvokeAsync(() =>
        {
            (_loaded, _busy, _status, _completedName) = (_total, false, null, _fileName);
            StateHasChanged();
        });
        if (Guid.TryParse(uploadId, out var id))
        {
            await InvokeAsync(() => OnCompleted.InvokeAsync(id));
        }
    }

    private async Task CancelAsync()
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("cancel", _input);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_module is not null)
            {
                // Pauses a running upload; picking the same file again resumes it.
                await _module.InvokeVoidAsync("detach", _input);
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone, and the page with it.
        }

        _self?.Dispose();
    }
}

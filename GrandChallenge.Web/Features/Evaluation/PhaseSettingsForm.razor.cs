using GrandChallenge.Domain.Evaluations;
using Microsoft.AspNetCore.Components;

namespace GrandChallenge.Web.Features.Evaluation;

public partial class PhaseSettingsForm
{
    [Inject] private IPhaseService Phases { get; set; } = default!;

    [Inject] private TimeProvider Clock { get; set; } = default!;

    [Inject] private Domain.Algorithms.IAlgorithmSubmissionService AlgorithmPhases { get; set; } = default!;

    [Parameter, EditorRequired] public PhaseContext Context { get; set; } = default!;

    /// <summary>Other phases of the challenge, for the parent choice.</summary>
    [Parameter] public IReadOnlyList<Phase> Siblings { get; set; } = [];

    [Parameter] public EventCallback<Phase> OnSaved { get; set; }

    private PhaseEditModel _model = new();
    private Dictionary<string, string[]> _errors = [];
    private string? _error;
    private string? _savedAt;
    private bool _busy;
    private Guid? _loadedFor;

    protected override async Task OnParametersSetAsync()
    {
        // Only a different phase resets the form; a re-render of the page must not throw away what the admin typed.
        if (_loadedFor != Context.Phase.Id)
        {
            _loadedFor = Context.Phase.Id;
            await ResetAsync();
        }
    }

    private async Task ResetAsync()
    {
        _model = PhaseEditModel.From(Context.Phase);
        var links = await AlgorithmPhases.LinksAsync(Context.Phase);
        _model.Archive = links.ArchiveSlug ?? "";
        _model.AlgorithmInterfaces = string.Join("\n", links.Interfaces.Select(i => PhaseEditModel.InterfaceLine(i.Inputs, i.Outputs)));
        (_errors, _error, _savedAt) = ([], null, null);
    }

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? Message(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private string ParentTitle(Guid? id) => id is null ? "None" : Siblings.FirstOrDefault(p => p.Id == id)?.Title ?? "";

    private async Task SaveAsync()
    {
        (_errors, _error, _savedAt) = ([], null, null);
        var (settings, fieldErrors) = _model.ToSettings();
        if (settings is null)
        {
            _errors = fieldErrors;
            _error = "Fix the marked fields, then save again.";
            return;
        }

        _busy = true;
        try
        {
            var result = await Phases.UpdateAsync(Context.Actor, Context.Phase.Id, settings);
            if (!result.Succeeded)
            {
                _errors = result.FieldErrors?.ToDictionary() ?? [];
                _error = _errors.Count > 1 ? "Fix the marked fields, then save again." : result.Error;
                return;
            }

            _savedAt = Clock.GetUtcNow().UtcDateTime.ToString("HH:mm:ss") + " UTC";

            await OnSaved.InvokeAsync(result.Value!);
        }
        finally
        {
            _busy = false;
        }
    }
}

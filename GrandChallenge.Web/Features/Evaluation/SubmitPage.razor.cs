using GrandChallenge.Domain.Evaluations;
using GrandChallenge.Domain.Uploads;
using GrandChallenge.Workers.Components;
using Microsoft.AspNetCore.Components;

namespace GrandChallenge.Web.Features.Evaluation;

public partial class SubmitPage
{
    [Inject] private IPhaseService Phases { get; set; } = default!;

    [Inject] private ISubmissionService Submissions { get; set; } = default!;

    [Inject] private IEvaluationService Evaluations { get; set; } = default!;

    [Inject] private IUploadService Uploads { get; set; } = default!;

    [Parameter] public string ShortName { get; set; } = "";

    [Parameter] public string Slug { get; set; } = "";

    private sealed record MySubmission(Submission Submission, IReadOnlyList<EvaluationView> Evaluations);

    private PhaseContext? _context;
    private SubmissionAllowance? _allowance;
    private IReadOnlyList<MySubmission> _mine = [];
    private bool _running;
    private Guid? _predictionsUpload;
    private Guid? _supplementaryUpload;
    private string _comment = "";
    private string _supplementaryUrl = "";
    private Dictionary<string, string[]> _errors = [];
    private string? _error;
    private string? _done;
    private bool _busy;
    private int _generation;

    protected override async Task OnParametersSetAsync()
    {
        await ReadActorAsync();
        StopListening();
        _context = await Phases.FindAsync(Actor, ShortName, Slug);
        if (_context is null)
        {
            RefuseNotFound();
            return;
        }

        // Subscribed before the first read; a new, finished or re-evaluated evaluation changes both the list and the _allowance.
        ReloadOn(EvaluationTopics.Evaluations(_context.Phase.Id), LoadAsync);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var phaseId = _context!.Phase.Id;
        _allowance = await Submissions.AllowanceAsync(Actor, phaseId);
        var submissions = await Submissions.ListMineAsync(Actor, phaseId);
        var list = new List<MySubmission>(submissions.Count);
        foreach (var submission in submissions)
        {
            var (_, evaluations) = await Evaluations.ListAsync(Actor, phaseId, submission.Id, 0, 20);
            list.Add(new MySubmission(submission, evaluations));
        }

        _mine = list;
        var unfinished = list.SelectMany(s => s.Evaluations).Where(e => !e.IsFinal).ToList();
        _running = unfinished.Count > 0;
        foreach (var evaluation in unfinished)
        {
            ReloadOn(evaluation.JobId.ToString(), ComponentJobExecutor.Topic(evaluation.JobId), LoadAsync);
        }

        StopListeningExcept(unfinished.Select(e => e.JobId.ToString()).ToHashSet());
    }

    private static string RemainingText(Phase phase, SubmissionAllowance _allowance) => _allowance.Remaining switch
    {
        null => "As a challenge admin you are held to neither the submission limit nor the window.",
        var n => $"You have {n} submission{(n == 1 ? "" : "s")} left " +
                 (phase.SubmissionLimitPeriodDays is { } days ? $"in the current {(days == 1 ? "day" : $"{days} days")}." : "in this phase."),
    };

    private bool Has(string field) => _errors.ContainsKey(field);

    private string? Message(string field) => _errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private async Task SubmitAsync()
    {
        if (_predictionsUpload is not { } predictionsId || _context is null)
        {
            return;
        }

        (_busy, _errors, _error, _done) = (true, [], null, null);
        OpenedUpload? predictions = null;
        OpenedUpload? supplementary = null;
        try
        {
            var opened = await Uploads.OpenCompletedAsync(Actor, predictionsId);
            if (!opened.Succeeded)
            {
                _predictionsUpload = null;
                _error = opened.NotFound ? "The predictions upload is gone; choose the file again." : opened.Error;
                return;
            }

            predictions = opened.Value!;
            if (_supplementaryUpload is { } supplementaryId)
            {
                var openedSupplementary = await Uploads.OpenCompletedAsync(Actor, supplementaryId);
                if (!openedSupplementary.Succeeded)
                {
                    _supplementaryUpload = null;
                    _error = openedSupplementary.NotFound ? "The supplementary upload is gone; choose the file again." : openedSupplementary.Error;
                    return;
                }

                supplementary = openedSupplementary.Value!;
            }

            var result = await Submissions.SubmitAsync(Actor, _context.Phase.Id, new SubmissionRequest(predictions.Content, predictions.Info.Filename)
            {
                Comment = _comment,
                SupplementaryUrl = _supplementaryUrl,
                SupplementaryFile = supplementary?.Content,
                SupplementaryFilename = supplementary?.Info.Filename,
            });
            if (!result.Succeeded)
            {
                _errors = result.FieldErrors?.ToDictionary() ?? [];
                _error = result.Error;
                return;
            }

            await DisposeAsync(predictions, supplementary);
            (predictions, supplementary) = (null, null);
            await Uploads.DeleteAsync(Actor, predictionsId);
            if (_supplementaryUpload is { } used)
            {
                await Uploads.DeleteAsync(Actor, used);
            }

            (_predictionsUpload, _supplementaryUpload, _comment, _supplementaryUrl) = (null, null, "", "");
            _generation++;
            _done = "Your submission was received and is being evaluated. Its result appears on the leaderboard when it is ready.";
            await LoadAsync();
        }
        finally
        {
            await DisposeAsync(predictions, supplementary);
            _busy = false;
        }
    }

    private async Task AlgorithmSubmittedAsync()
    {
        _done = "Your algorithm was submitted. It runs on the hidden cases first; its result appears on the leaderboard when it is ready.";
        await LoadAsync();
    }

    private static async Task DisposeAsync(OpenedUpload? predictions, OpenedUpload? supplementary)
    {
        if (predictions is not null)
        {
            await predictions.DisposeAsync();
        }

        if (supplementary is not null)
        {
            await supplementary.DisposeAsync();
        }
    }
}

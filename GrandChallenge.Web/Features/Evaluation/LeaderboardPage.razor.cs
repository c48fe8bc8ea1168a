using GrandChallenge.Domain.Evaluations;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace GrandChallenge.Web.Features.Evaluation;

/// <summary>
/// The leaderboard reads the phase's ranked rows once (and again when the ranks change) and serves the _table a page at
/// a time from them, so a phase with ten thousand results renders 25 rows, not ten thousand.
/// </summary>
public partial class LeaderboardPage
{
    [Inject] private IPhaseService Phases { get; set; } = default!;

    [Inject] private ILeaderboardService Leaderboards { get; set; } = default!;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Parameter] public string ShortName { get; set; } = "";

    [Parameter] public string Slug { get; set; } = "";

    private PhaseContext? _context;
    private Leaderboard? _board;
    private LeaderboardCharts? _charts;
    private MudTable<LeaderboardRow>? _table;
    private string _search = "";
    private DateTime? _asOf;

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

        // Subscribed before the first read, so ranks recomputed in between are not missed.
        ReloadOn(EvaluationTopics.Leaderboard(_context.Phase.Id), RefreshAsync, 300);
        await LoadBoardAsync();
        _charts = await Leaderboards.ChartsAsync(Actor, _context.Phase.Id);
        if (_table is not null)
        {
            // Another phase's board in the same page instance (the route changed): the table shows it from its first page.
            await _table.ReloadServerData();
        }
    }

    private async Task LoadBoardAsync()
    {
        var query = new LeaderboardQuery(_asOf is { } day ? DateOnly.FromDateTime(day) : null, string.IsNullOrWhiteSpace(_search) ? null : _search.Trim());
        _board = await Leaderboards.GetAsync(Actor, _context!.Phase.Id, query);
    }

    private async Task RefreshAsync()
    {
        await LoadBoardAsync();
        _charts = await Leaderboards.ChartsAsync(Actor, _context!.Phase.Id);
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private async Task<TableData<LeaderboardRow>> LoadPageAsync(TableState state, CancellationToken ct)
    {
        if (_board is null)
        {
            await LoadBoardAsync();
        }

        var rows = _board?.Rows ?? [];
        var sorted = Sort(rows, state.SortLabel, state.SortDirection);
        return new TableData<LeaderboardRow>
        {
            Items = sorted.Skip(state.Page * state.PageSize).Take(state.PageSize).ToList(),
            TotalItems = rows.Count,
        };
    }

    /// <summary>Sorts by a column; rows without a value go last either way, ties keep the leaderboard's order.</summary>
    private static IEnumerable<LeaderboardRow> Sort(IReadOnlyList<LeaderboardRow> rows, string? label, SortDirection direction)
    {
        if (direction == SortDirection.None || string.IsNullOrEmpty(label))
        {
            return rows;
        }

        var descending = direction == SortDirection.Descending;
        if (label.StartsWith("column:", StringComparison.Ordinal) && int.TryParse(label["column:".Length..], out var index))
        {
            var withValue = rows.Where(r => index < r.Values.Count && r.Values[index] is not null);
            var ordered = descending ? withValue.OrderByDescending(r => r.Values[index]) : withValue.OrderBy(r => r.Values[index]);
            return ordered.Concat(rows.Where(r => index >= r.Values.Count || r.Values[index] is null));
        }

        Func<LeaderboardRow, IComparable?> key = label switch
        {
            "user" => r => r.UserName ?? "",
            "created" => r => r.Created,
            "position" => r => r.RankScore,
            _ => r => r.Rank,
        };
        return descending ? rows.OrderByDescending(key) : rows.OrderBy(key);
    }

    private async Task SearchChangedAsync(string? value)
    {
        _search = value ?? "";
        await RefreshTableAsync();
    }

    private async Task AsOfChangedAsync(DateTime? value)
    {
        _asOf = value?.Date;
        await RefreshTableAsync();
    }

    private async Task RefreshTableAsync()
    {
        await LoadBoardAsync();
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private string ExportUrl(string? format)
    {
        var query = new List<string>();
        if (format is not null)
        {
            query.Add($"format={format}");
        }

        if (_asOf is { } day)
        {
            query.Add($"date={day:yyyy-MM-dd}");
        }

        if (!string.IsNullOrWhiteSpace(_search))
        {
            query.Add($"search={Uri.EscapeDataString(_search.Trim())}");
        }

        return $"/api/v1/phases/{_context!.Phase.Id}/leaderboard/" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    private static string Position(LeaderboardRow row, LeaderboardColumn column, string? positionTitle) =>
        positionTitle is not null && column.Ranked && row.RankPerMetric.TryGetValue(column.Path, out var position) ? $" ({position})" : "";

    /// <summary>Participants type these links; only http(s) ones become links.</summary>
    private static string? SafeUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.ToString() : null;

    private async Task ShowHistoryAsync(Guid userId, string? userName)
    {
        var parameters = new DialogParameters<LeaderboardHistoryDialog>
        {
            { d => d.Actor, Actor },
            { d => d.Phase, _board?.Phase ?? _context!.Phase },
            { d => d.UserId, userId },
            { d => d.ChallengeShortName, _context!.Challenge.Challenge.ShortName },
        };
        await Dialogs.ShowAsync<LeaderboardHistoryDialog>($"Results of {userName ?? "this participant"}", parameters,
            new DialogOptions { MaxWidth = MaxWidth.Large, FullWidth = true, CloseButton = true });
    }
}

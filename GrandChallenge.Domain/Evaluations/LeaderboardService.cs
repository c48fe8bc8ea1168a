using System.Collections.Concurrent;
using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Evaluations.Ranking;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>A column of the leaderboard: the score first, then the extra columns in their order.</summary>
public sealed record LeaderboardColumn(string Path, string Title, SortOrder Order, bool Ranked, string? ErrorPath);

/// <summary>One row; <see cref="Values"/> and <see cref="Errors"/> are aligned to <see cref="Leaderboard.Columns"/>.</summary>
public sealed record LeaderboardRow(
    int Rank,
    double RankScore,
    Guid EvaluationId,
    Guid SubmissionId,
    Guid? UserId,
    string? UserName,
    string? TeamName,
    DateTimeOffset Created,
    string Comment,
    string? SupplementaryUrl,
    bool HasSupplementaryFile,
    IReadOnlyList<double?> Values,
    IReadOnlyList<double?> Errors,
    IReadOnlyDictionary<string, int> RankPerMetric,
    string? MetricsJson);

public sealed record Leaderboard(Phase Phase, string ChallengeShortName, IReadOnlyList<LeaderboardColumn> Columns, IReadOnlyList<LeaderboardRow> Rows);

/// <param name="AsOf">Only results submitted up to the end of this day (UTC), still with today's ranks.</param>
public sealed record LeaderboardQuery(DateOnly? AsOf = null, string? Search = null);

/// <summary>A point of a chart series: time and value.</summary>
public sealed record ScorePoint(DateTimeOffset At, double Value);

public sealed record LeaderboardCharts(IReadOnlyList<ScorePoint> BestOverTime, IReadOnlyList<double> Scores);

public interface ILeaderboardService
{
    /// <summary>Ranks the phase's results again (DESIGN "Ranking") and tells live pages; safe to call from anywhere, any time.</summary>
    Task RecomputeAsync(Guid phaseId, CancellationToken ct = default);

    Task<Leaderboard?> GetAsync(Actor actor, Guid phaseId, LeaderboardQuery query, CancellationToken ct = default);

    /// <summary>Every published, successful result of one participant in the phase, newest first.</summary>
    Task<IReadOnlyList<LeaderboardRow>?> HistoryAsync(Actor actor, Guid phaseId, Guid userId, CancellationToken ct = default);

    Task<LeaderboardCharts?> ChartsAsync(Actor actor, Guid phaseId, CancellationToken ct = default);
}

public sealed class LeaderboardService(
    IDbContextFactory<AppDbContext> dbFactory,
    Lazy<IPhaseService> phases,
    ISocketValueService values,
    PhaseRankStore ranks,
    IChangeNotifier notifier) : ILeaderboardService
{
    private static readonly ConcurrentDictionary<Guid, SemaphoreSlim> Locks = new();

    public static RankingSettings SettingsOf(Phase phase) =>
        new(phase.ScorePath, phase.ScoreOrder, phase.ExtraResultColumns, phase.ScoringMethod, phase.ResultDisplay);

    public async Task RecomputeAsync(Guid phaseId, CancellationToken ct = default)
    {
        // One recomputation per phase at a time: in this process by the gate, across processes by the phase's row lock.
        // Each reads everything afresh inside the lock, so a later one always ranks at least what an earlier one saw.
        var gate = Locks.GetOrAdd(phaseId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var phase = await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.Id == phaseId, ct);
            if (phase is null)
            {
                return;
            }

            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await LockPhaseAsync(db, phaseId, ct);
            // Only scalar columns for every row: parsing 10,000 metrics.json texts cost more than the ranking itself.
            // Metrics never change once copied, so their ranked values are kept per phase in memory and only new
            // results' metrics are read.
            var rows = await db.Evaluations.AsNoTracking()
                .Where(e => e.PhaseId == phaseId)
                .Join(db.ComponentJobs.Where(j => j.Status == ComponentJobStatus.Succeeded), e => e.JobId, j => j.Id,
                    (e, j) => new { e.Id, e.CreatorId, e.Created, e.Published, MetricsMissing = e.MetricsJson == null })
                .ToListAsync(ct);
            if (rows.Any(x => x.MetricsMissing))
            {
                await FillMissingMetricsAsync(db, rows.Where(x => x.MetricsMissing).Select(x => x.Id).ToList(), ct);
            }

            var settings = SettingsOf(phase);
            var metrics = await RankedMetricsAsync(db, phaseId, settings, rows.Select(x => x.Id).ToList(), ct);
            var none = new double?[settings.RankedPaths.Count];
            var outcome = Ranker.Rank(
                rows.Select(x => new RankingCandidate(
                    x.Id, x.CreatorId?.ToString() ?? x.Id.ToString(), x.Created, x.Published, true, metrics.GetValueOrDefault(x.Id, none))).ToList(),
                settings);

            // One new result moves most of the board; the whole phase's ranks are one packed row, not a column on
            // thousands of evaluation rows.
            await ranks.WriteAsync(db, phaseId, PhaseRanks.Pack(outcome, settings.RankedPaths), ct);
            await transaction.CommitAsync(ct);
        }
        finally
        {
            gate.Release();
        }

        notifier.Publish(EvaluationTopics.Leaderboard(phaseId), phaseId);
    }

    /// <summary>The ranked metric values of the phase's succeeded evaluations, read from metrics.json only for those not seen before.</summary>
    private async Task<IReadOnlyDictionary<Guid, double?[]>> RankedMetricsAsync(
        AppDbContext db, Guid phaseId, RankingSettings settings, IReadOnlyList<Guid> succeeded, CancellationToken ct)
    {
        var paths = string.Join('\n', settings.RankedPaths);
        if (!_rankedMetrics.TryGetValue(phaseId, out var known) || known.Paths != paths)
        {
            if (_rankedMetrics.Count >= MaxCachedPhases)
            {
                _rankedMetrics.Clear();
            }

            known = new PhaseMetrics(paths, []);
            _rankedMetrics[phaseId] = known;
        }

        var missing = succeeded.Where(id => !known.Values.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            var query = db.Evaluations.AsNoTracking().Where(e => e.PhaseId == phaseId && e.MetricsJson != null);
            // A handful of new results are fetched by id; a cold cache reads the whole phase once.
            if (missing.Count < 500)
            {
                query = query.Where(e => missing.Contains(e.Id));
            }

            await foreach (var row in query.Select(e => new { e.Id, e.MetricsJson }).AsAsyncEnumerable().WithCancellation(ct))
            {
                known.Values[row.Id] = settings.ReadRankedMetrics(row.MetricsJson);
            }
        }

        return known.Values;
    }

    private const int MaxCachedPhases = 256;

    /// <summary>Per phase, the ranked metric paths the values were read for and each evaluation's values.</summary>
    private sealed record PhaseMetrics(string Paths, ConcurrentDictionary<Guid, double?[]> Values);

    private readonly ConcurrentDictionary<Guid, PhaseMetrics> _rankedMetrics = new();

    /// <summary>Succeeded evaluations whose metrics were not copied (the process stopped between the two) get them now.</summary>
    private async Task FillMissingMetricsAsync(AppDbContext db, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var missing = await db.Evaluations.Where(e => ids.Contains(e.Id)).ToListAsync(ct);
        foreach (var evaluation in missing)
        {
            evaluation.MetricsJson = await ReadMetricsAsync(db, values, evaluation.JobId, ct) ?? "null";
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Takes the phase row's write lock for the rest of the transaction (SQLite: the database's), so re-rankings of
    /// one phase by several processes run one after the other.
    /// </summary>
    private static async Task LockPhaseAsync(AppDbContext db, Guid phaseId, CancellationToken ct)
    {
        var sqlite = db.Database.ProviderName?.Contains("Sqlite", StringComparison.Ordinal) == true;
        object id = sqlite ? phaseId.ToString("D").ToUpperInvariant() : phaseId;
        await db.Database.ExecuteSqlRawAsync("""UPDATE "Phases" SET "Modified" = "Modified" WHERE "Id" = {0}""", [id], ct);
    }

    /// <summary>The text of the job's <c>metrics.json</c> output, or null when it has none.</summary>
    public static async Task<string?> ReadMetricsAsync(AppDbContext db, ISocketValueService values, Guid jobId, CancellationToken ct)
    {
        var value = await db.ComponentJobValues
            .Where(v => v.JobId == jobId && v.IsOutput)
            .Join(db.SocketValues, v => v.SocketValueId, s => s.Id, (v, s) => s)
            .Where(s => s.Socket!.Slug == DefaultSockets.MetricsJsonFile)
            .AsNoTracking()
            .FirstOrDefaultAsync(ct);
        if (value is null)
        {
            return null;
        }

        if (value.Value is not null)
        {
            return value.Value;
        }

        await using var file = values.OpenFile(value);
        using var reader = new StreamReader(file);
        return await reader.ReadToEndAsync(ct);
    }

    public async Task<Leaderboard?> GetAsync(Actor actor, Guid phaseId, LeaderboardQuery query, CancellationToken ct = default)
    {
        if (await phases.Value.FindAsync(actor, phaseId, ct) is not { } context)
        {
            return null;
        }

        var phase = context.Phase;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var ranked = await RanksAsync(db, phaseId, ct);
        var evaluations = db.Evaluations.Where(e => e.PhaseId == phaseId && e.Published);
        var rows = await LoadRowsAsync(db, phase, evaluations, ranked, onlyRanked: true, query, ct);
        return new Leaderboard(phase, context.Challenge.Challenge.ShortName, ColumnsOf(phase), [.. rows.OrderBy(r => r.Rank).ThenBy(r => r.Created)]);
    }

    public async Task<IReadOnlyList<LeaderboardRow>?> HistoryAsync(Actor actor, Guid phaseId, Guid userId, CancellationToken ct = default)
    {
        if (await phases.Value.FindAsync(actor, phaseId, ct) is not { } context)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var evaluations = db.Evaluations.Where(e => e.PhaseId == phaseId && e.CreatorId == userId && e.Published
                                                    && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.Succeeded));
        var ranked = await RanksAsync(db, phaseId, ct);
        var rows = await LoadRowsAsync(db, context.Phase, evaluations, ranked, onlyRanked: false, new LeaderboardQuery(), ct);
        return [.. rows.OrderByDescending(r => r.Created)];
    }

    public async Task<LeaderboardCharts?> ChartsAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        if (await phases.Value.FindAsync(actor, phaseId, ct) is not { } context)
        {
            return null;
        }

        var phase = context.Phase;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var results = await db.Evaluations
            .Where(e => e.PhaseId == phaseId && e.Published && db.ComponentJobs.Any(j => j.Id == e.JobId && j.Status == ComponentJobStatus.Succeeded))
            .OrderBy(e => e.Created)
            .Select(e => new { e.Created, e.MetricsJson })
            .ToListAsync(ct);

        var scores = new List<double>();
        var best = new List<ScorePoint>();
        foreach (var result in results)
        {
            if (Number(result.MetricsJson, phase.ScorePath) is not { } score)
            {
                continue;
            }

            scores.Add(score);
            var improves = best.Count == 0 || (phase.ScoreOrder == SortOrder.Descending ? score > best[^1].Value : score < best[^1].Value);
            if (improves)
            {
                best.Add(new ScorePoint(result.Created, score));
            }
        }

        return new LeaderboardCharts(best, scores);
    }

    /// <summary>The phase's ranks; a phase never ranked (e.g. results from before ranks were stored per phase) is ranked first.</summary>
    private async Task<PhaseRanks> RanksAsync(AppDbContext db, Guid phaseId, CancellationToken ct)
    {
        if (await ranks.GetAsync(db, phaseId, ct) is { } stored)
        {
            return stored;
        }

        await RecomputeAsync(phaseId, ct);
        return await ranks.GetAsync(db, phaseId, ct) ?? PhaseRanks.Empty;
    }

    public static IReadOnlyList<LeaderboardColumn> ColumnsOf(Phase phase) =>
    [
        new(phase.ScorePath, phase.ScoreTitle, phase.ScoreOrder, true, phase.ScoreErrorPath),
        .. phase.ExtraResultColumns.Select(c => new LeaderboardColumn(c.Path, c.Title, c.Order, !c.ExcludeFromRanking, c.ErrorPath)),
    ];

    private static async Task<List<LeaderboardRow>> LoadRowsAsync(
        AppDbContext db, Phase phase, IQueryable<Evaluation> evaluations, PhaseRanks ranked, bool onlyRanked, LeaderboardQuery query,
        CancellationToken ct)
    {
        var joined = evaluations
            .Join(db.Submissions, e => e.SubmissionId, s => s.Id, (e, s) => new { e, s });
        if (query.AsOf is { } asOf)
        {
            var end = new DateTimeOffset(asOf.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(1);
            joined = joined.Where(x => x.s.Created < end);
        }

        var raw = await joined
            .GroupJoin(db.Users, x => x.e.CreatorId, u => u.Id, (x, users) => new { x, users })
            .SelectMany(y => y.users.DefaultIfEmpty(), (y, u) => new { y.x, UserName = u == null ? null : u.UserName })
            .GroupJoin(db.Teams, y => y.x.s.TeamId, t => t.Id, (y, teams) => new { y, teams })
            .SelectMany(z => z.teams.DefaultIfEmpty(), (z, t) => new
            {
                z.y.x.e.Id,
                z.y.x.e.MetricsJson,
                z.y.x.e.CreatorId,
                SubmissionId = z.y.x.s.Id,
                SubmissionCreated = z.y.x.s.Created,
                z.y.x.s.Comment,
                z.y.x.s.SupplementaryUrl,
                HasFile = z.y.x.s.SupplementaryFileBlobKey != null,
                z.y.UserName,
                TeamName = t == null ? null : t.Name,
            })
            .ToListAsync(ct);

        var columns = ColumnsOf(phase);
        var search = query.Search?.Trim();
        return raw
            .Where(r => !onlyRanked || ranked.TryGet(r.Id, out _))
            .Where(r => string.IsNullOrEmpty(search)
                        || r.UserName?.Contains(search, StringComparison.OrdinalIgnoreCase) == true
                        || r.TeamName?.Contains(search, StringComparison.OrdinalIgnoreCase) == true
                        || r.Id.ToString().StartsWith(search, StringComparison.OrdinalIgnoreCase))
            .Select(r =>
            {
                double?[] valuesOf = new double?[columns.Count], errors = new double?[columns.Count];
                if (r.MetricsJson is { } json)
                {
                    try
                    {
                        using var document = JsonDocument.Parse(json);
                        for (var i = 0; i < columns.Count; i++)
                        {
                            valuesOf[i] = MetricPath.TryGetNumber(document.RootElement, columns[i].Path, out var v) ? v : null;
                            errors[i] = columns[i].ErrorPath is { } e && MetricPath.TryGetNumber(document.RootElement, e, out var err) ? err : null;
                        }
                    }
                    catch (JsonException)
                    {
                    }
                }

                var rank = ranked.TryGet(r.Id, out var entry) ? entry : Unranked;
                return new LeaderboardRow(rank.Rank, rank.Score, r.Id, r.SubmissionId, r.CreatorId, r.UserName, r.TeamName, r.SubmissionCreated,
                    r.Comment, r.SupplementaryUrl, r.HasFile, valuesOf, errors, rank.PerMetric, r.MetricsJson);
            })
            .ToList();
    }

    private static readonly RankEntry Unranked = new(0, 0, System.Collections.ObjectModel.ReadOnlyDictionary<string, int>.Empty);

    private static double? Number(string? json, string path)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return MetricPath.TryGetNumber(document.RootElement, path, out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

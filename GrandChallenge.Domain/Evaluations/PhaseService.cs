using System.Text.RegularExpressions;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Challenges;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Evaluations;

/// <summary>A phase as one actor sees it, with the challenge it belongs to.</summary>
public sealed record PhaseContext(Phase Phase, ChallengeAccessContext Challenge)
{
    public bool IsAdmin => Challenge.IsAdmin;
    public Actor Actor => Challenge.Actor;
}

public interface IPhaseService
{
    /// <summary>The phases of a challenge the actor may see (non-public ones only for its admins), first opening first.</summary>
    Task<IReadOnlyList<Phase>?> ListAsync(Actor actor, string challengeShortName, CancellationToken ct = default);

    /// <summary>The phase if the actor may see it; null otherwise (hidden challenge, non-public phase, no such phase).</summary>
    Task<PhaseContext?> FindAsync(Actor actor, Guid phaseId, CancellationToken ct = default);

    Task<PhaseContext?> FindAsync(Actor actor, string challengeShortName, string phaseSlug, CancellationToken ct = default);

    Task<Result<Phase>> CreateAsync(Actor actor, string challengeShortName, PhaseSettings settings, CancellationToken ct = default);

    Task<Result<Phase>> UpdateAsync(Actor actor, Guid phaseId, PhaseSettings settings, CancellationToken ct = default);
}

public sealed partial class PhaseService(
    IDbContextFactory<AppDbContext> dbFactory,
    IChallengeAccess challenges,
    ILeaderboardService leaderboards,
    IChangeNotifier notifier,
    IArchiveAccess? archives = null) : IPhaseService
{
    public const string NotAllowed = "Only the challenge's admins may manage its phases.";

    public async Task<IReadOnlyList<Phase>?> ListAsync(Actor actor, string challengeShortName, CancellationToken ct = default)
    {
        if (await challenges.FindAsync(actor, challengeShortName, ct) is not { } challenge)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phases = await db.Phases.AsNoTracking()
            .Where(p => p.ChallengeId == challenge.Challenge.Id && (p.Public || challenge.IsAdmin))
            .ToListAsync(ct);
        return [.. phases.OrderBy(p => p.OpenAt ?? DateTimeOffset.MinValue).ThenBy(p => p.Created)];
    }

    public async Task<PhaseContext?> FindAsync(Actor actor, Guid phaseId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.Id == phaseId, ct);
        return phase is null ? null : await ContextAsync(actor, phase, ct);
    }

    public async Task<PhaseContext?> FindAsync(Actor actor, string challengeShortName, string phaseSlug, CancellationToken ct = default)
    {
        if (await challenges.FindAsync(actor, challengeShortName, ct) is not { } challenge)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var slug = (phaseSlug ?? "").ToLowerInvariant();
        var phase = await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.ChallengeId == challenge.Challenge.Id && p.Slug == slug, ct);
        return phase is null || !(phase.Public || challenge.IsAdmin) ? null : new PhaseContext(phase, challenge);
    }

    private async Task<PhaseContext?> ContextAsync(Actor actor, Phase phase, CancellationToken ct) =>
        await challenges.FindAsync(actor, phase.ChallengeId, ct) is { } challenge && (phase.Public || challenge.IsAdmin)
            ? new PhaseContext(phase, challenge)
            : null;

    public async Task<Result<Phase>> CreateAsync(Actor actor, string challengeShortName, PhaseSettings settings, CancellationToken ct = default)
    {
        if (await challenges.FindAsync(actor, challengeShortName, ct) is not { } challenge)
        {
            return Result<Phase>.Fail("No such challenge.");
        }

        if (!challenge.IsAdmin)
        {
            return Result<Phase>.Fail(NotAllowed);
        }

        var phase = new Phase { ChallengeId = challenge.Challenge.Id, Title = "", Slug = "" };
        var errors = settings.ApplyTo(phase);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        phase.Slug = await UniqueSlugAsync(db, challenge.Challenge.Id, phase.Title, ct);
        await ApplyAlgorithmLinksAsync(db, actor, phase, settings, errors, ct);
        await CheckAsync(db, phase, errors, ct);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        db.Phases.Add(phase);
        await db.SaveChangesAsync(ct);
        notifier.Publish(EvaluationTopics.Phases(phase.ChallengeId), phase.ChallengeId);
        return Result<Phase>.Ok(phase);
    }

    public async Task<Result<Phase>> UpdateAsync(Actor actor, Guid phaseId, PhaseSettings settings, CancellationToken ct = default)
    {
        if (await FindAsync(actor, phaseId, ct) is not { } context)
        {
            return Result<Phase>.Fail("No such phase.");
        }

        if (!context.IsAdmin)
        {
            return Result<Phase>.Fail(NotAllowed);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var phase = await db.Phases.SingleAsync(p => p.Id == phaseId, ct);
        var kindBefore = phase.SubmissionKind;
        var errors = settings.ApplyTo(phase);
        if (phase.SubmissionKind != kindBefore && await db.Submissions.AnyAsync(s => s.PhaseId == phaseId, ct))
        {
            errors["submission_kind"] = ["The kind of submission cannot change once the phase has submissions."];
        }

        await ApplyAlgorithmLinksAsync(db, actor, phase, settings, errors, ct);
        await CheckAsync(db, phase, errors, ct);
        if (errors.Count > 0)
        {
            return Invalid(errors);
        }

        await db.SaveChangesAsync(ct);
        notifier.Publish(EvaluationTopics.Phases(phase.ChallengeId), phase.ChallengeId);
        if (settings.AffectsRanking)
        {
            await leaderboards.RecomputeAsync(phaseId, ct);
        }

        return Result<Phase>.Ok(phase);
    }

    private static async Task CheckAsync(AppDbContext db, Phase phase, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (phase.Title.Length > 0
            && await db.Phases.AnyAsync(p => p.ChallengeId == phase.ChallengeId && p.Id != phase.Id && p.Title.ToLower() == phase.Title.ToLower(), ct))
        {
            errors["title"] = ["The challenge already has a phase with this title."];
        }

        if (phase.ParentId is { } parentId)
        {
            var parent = await db.Phases.AsNoTracking().FirstOrDefaultAsync(p => p.Id == parentId, ct);
            if (parent is null || parent.ChallengeId != phase.ChallengeId || parent.Id == phase.Id || parent.SubmissionKind != phase.SubmissionKind)
            {
                errors["parent"] = ["The parent must be another phase of the same challenge with the same kind of submission."];
            }
            else if (await IsDescendantAsync(db, parent, phase.Id, ct))
            {
                errors["parent"] = ["A phase cannot depend on one of its own descendants."];
            }
        }
    }

    /// <summary>
    /// Resolves the archive (which the admin must be able to see and use) and the interfaces (created or reused from
    /// socket slugs), and checks that an algorithm phase taking submissions has both.
    /// </summary>
    private async Task ApplyAlgorithmLinksAsync(
        AppDbContext db, Actor actor, Phase phase, PhaseSettings settings, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (settings.Archive is { } archive)
        {
            if (archive.Trim().Length == 0)
            {
                phase.ArchiveId = null;
            }
            else if (archives is not null && await archives.FindAsync(actor, archive.Trim(), ct) is { IsMember: true } found)
            {
                phase.ArchiveId = found.Archive.Id;
            }
            else
            {
                errors["archive"] = ["No archive with that slug that you may use."];
            }
        }

        if (settings.AlgorithmInterfaces is { } interfaces && !errors.ContainsKey("algorithm_interfaces"))
        {
            var ids = new List<int>();
            foreach (var wanted in interfaces)
            {
                var created = await AlgorithmInterfaces.GetOrCreateAsync(db, wanted.Inputs, wanted.Outputs, ct);
                if (!created.Succeeded)
                {
                    errors["algorithm_interfaces"] = [created.Error!];
                    break;
                }

                ids.Add(created.Value!.Id);
            }

            var loaded = await db.AlgorithmInterfaces.AsNoTracking().Where(i => ids.Contains(i.Id)).ToListAsync(ct);
            if (loaded.GroupBy(i => string.Join(',', i.InputSocketIds.Order())).Any(g => g.Count() > 1))
            {
                errors["algorithm_interfaces"] = ["Two interfaces cannot take exactly the same inputs."];
            }

            phase.AlgorithmInterfaceIds = [.. ids.Distinct()];
        }

        if (phase.SubmissionKind == SubmissionKind.Algorithm && phase.SubmissionLimit > 0)
        {
            const string Needs = "An algorithm phase that takes submissions needs an archive of test cases and at least one algorithm interface.";
            if (phase.ArchiveId is null && !errors.ContainsKey("archive"))
            {
                errors["archive"] = [Needs];
            }

            if (phase.AlgorithmInterfaceIds.Count == 0 && !errors.ContainsKey("algorithm_interfaces"))
            {
                errors["algorithm_interfaces"] = [Needs];
            }

            if (settings.SubmissionKind is not null && (phase.ArchiveId is null || phase.AlgorithmInterfaceIds.Count == 0))
            {
                errors.TryAdd("submission_kind", [Needs]);
            }
        }
    }

    private static async Task<bool> IsDescendantAsync(AppDbContext db, Phase candidate, Guid ancestorId, CancellationToken ct)
    {
        var seen = new HashSet<Guid>();
        for (var current = candidate; current.ParentId is { } next && seen.Add(current.Id);)
        {
            if (next == ancestorId)
            {
                return true;
            }

            current = await db.Phases.AsNoTracking().FirstAsync(p => p.Id == next, ct);
        }

        return false;
    }

    private static async Task<string> UniqueSlugAsync(AppDbContext db, Guid challengeId, string title, CancellationToken ct)
    {
        var baseSlug = Slugify(title);
        var taken = await db.Phases.Where(p => p.ChallengeId == challengeId).Select(p => p.Slug).ToListAsync(ct);
        var slug = baseSlug;
        for (var i = 2; taken.Contains(slug); i++)
        {
            slug = $"{baseSlug[..Math.Min(baseSlug.Length, 60)]}-{i}";
        }

        return slug;
    }

    public static string Slugify(string title)
    {
        var slug = NonSlug().Replace(title.ToLowerInvariant(), "-").Trim('-');
        slug = slug.Length > 64 ? slug[..64].TrimEnd('-') : slug;
        return slug.Length == 0 ? "phase" : slug;
    }

    private static Result<Phase> Invalid(Dictionary<string, string[]> errors) =>
        new(default, errors.First().Value[0], errors);

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonSlug();
}

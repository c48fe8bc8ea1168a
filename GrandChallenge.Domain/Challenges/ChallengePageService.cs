using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A page as its admins write it; the slug is made from the title when the page is created.</summary>
public sealed record PageDraft(string? Title, string? ContentMarkdown, PageVisibility Visibility = PageVisibility.Everyone, bool Hidden = false);

public enum PageMove
{
    Up,
    Down,
    First,
    Last,
}

/// <summary>The page asked for, or why there is none to show: it does not exist, or the actor may not read it.</summary>
public sealed record PageLookup(ChallengePage? Page, PageVisibility? DeniedFor)
{
    public bool Exists => Page is not null || DeniedFor is not null;
}

public interface IChallengePageService
{
    /// <summary>Every page the actor may read, in order (hidden ones included; menus leave those out).</summary>
    Task<IReadOnlyList<ChallengePage>> ReadableAsync(ChallengeAccessContext context, CancellationToken ct = default);

    /// <summary>A page by slug, or the home page (the first page the actor may read) when <paramref name="slug"/> is null.</summary>
    Task<PageLookup> FindAsync(ChallengeAccessContext context, string? slug, CancellationToken ct = default);

    Task<Result<ChallengePage>> CreateAsync(Actor actor, Guid challengeId, PageDraft draft, CancellationToken ct = default);
    Task<Result<ChallengePage>> UpdateAsync(Actor actor, Guid pageId, PageDraft draft, CancellationToken ct = default);
    Task<Result<bool>> DeleteAsync(Actor actor, Guid pageId, CancellationToken ct = default);
    Task<Result<bool>> MoveAsync(Actor actor, Guid pageId, PageMove move, CancellationToken ct = default);
}

public sealed class ChallengePageService(IDbContextFactory<AppDbContext> dbFactory, IChallengeAccess access, IChangeNotifier notifier) : IChallengePageService
{
    public static bool CanRead(ChallengeAccessContext context, PageVisibility visibility) => visibility switch
    {
        PageVisibility.Everyone => true,
        PageVisibility.RegisteredUsers => context.Actor.IsAuthenticated,
        PageVisibility.Participants => context.IsMember,
        _ => context.IsAdmin,
    };

    public async Task<IReadOnlyList<ChallengePage>> ReadableAsync(ChallengeAccessContext context, CancellationToken ct = default)
    {
        var pages = await AllAsync(context.Challenge.Id, ct);
        return pages.Where(p => CanRead(context, p.Visibility)).ToList();
    }

    public async Task<PageLookup> FindAsync(ChallengeAccessContext context, string? slug, CancellationToken ct = default)
    {
        var pages = await AllAsync(context.Challenge.Id, ct);
        if (slug is null)
        {
            return new PageLookup(pages.FirstOrDefault(p => CanRead(context, p.Visibility)), null);
        }

        var page = pages.FirstOrDefault(p => p.Slug == slug.ToLowerInvariant());
        return page is null ? new PageLookup(null, null)
            : CanRead(context, page.Visibility) ? new PageLookup(page, null)
            : new PageLookup(null, page.Visibility);
    }

    public async Task<Result<ChallengePage>> CreateAsync(Actor actor, Guid challengeId, PageDraft draft, CancellationToken ct = default)
    {
        var admin = await ChallengeService.RequireAdminAsync(access, actor, challengeId, ct);
        if (!admin.Succeeded)
        {
            return admin.As<ChallengePage>();
        }

        var errors = Validate(draft, out var title, out var content);
        if (errors.Any)
        {
            return errors.ToResult<ChallengePage>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.ChallengePages.Where(p => p.ChallengeId == challengeId).Select(p => new { p.Slug, p.Order }).ToListAsync(ct);
            var baseSlug = ChallengeRules.Slugify(title, 60);
            var slug = baseSlug;
            for (var n = 2; existing.Any(p => p.Slug == slug); n++)
            {
                slug = $"{baseSlug}-{n}";
            }

            var page = new ChallengePage
            {
                ChallengeId = challengeId,
                Slug = slug,
                Title = title,
                ContentMarkdown = content,
                Visibility = draft.Visibility,
                Hidden = draft.Hidden,
                Order = existing.Count == 0 ? 0 : existing.Max(p => p.Order) + 1,
            };
            db.ChallengePages.Add(page);
            try
            {
                await db.SaveChangesAsync(ct);
                notifier.Publish(ChallengeTopics.Challenge(challengeId));
                return Result<ChallengePage>.Ok(page);
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another page took the slug meanwhile: try the next one.
                db.ChangeTracker.Clear();
            }
        }
    }

    public async Task<Result<ChallengePage>> UpdateAsync(Actor actor, Guid pageId, PageDraft draft, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var page = await db.ChallengePages.SingleOrDefaultAsync(p => p.Id == pageId, ct);
        var denied = await DenyAsync(actor, page, ct);
        if (denied is not null)
        {
            return denied.Value.As<ChallengePage>();
        }

        var errors = Validate(draft, out var title, out var content);
        if (errors.Any)
        {
            return errors.ToResult<ChallengePage>();
        }

        page!.Title = title;
        page.ContentMarkdown = content;
        page.Visibility = draft.Visibility;
        page.Hidden = draft.Hidden;
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(page.ChallengeId));
        return Result<ChallengePage>.Ok(page);
    }

    public async Task<Result<bool>> DeleteAsync(Actor actor, Guid pageId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var page = await db.ChallengePages.SingleOrDefaultAsync(p => p.Id == pageId, ct);
        var denied = await DenyAsync(actor, page, ct);
        if (denied is not null)
        {
            return denied.Value.As<bool>();
        }

        db.ChallengePages.Remove(page!);
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(page!.ChallengeId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<bool>> MoveAsync(Actor actor, Guid pageId, PageMove move, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var page = await db.ChallengePages.AsNoTracking().SingleOrDefaultAsync(p => p.Id == pageId, ct);
        var denied = await DenyAsync(actor, page, ct);
        if (denied is not null)
        {
            return denied.Value.As<bool>();
        }

        var pages = (await db.ChallengePages.Where(p => p.ChallengeId == page!.ChallengeId).ToListAsync(ct))
            .OrderBy(p => p.Order).ThenBy(p => p.Created).ToList();
        var index = pages.FindIndex(p => p.Id == pageId);
        var moving = pages[index];
        pages.RemoveAt(index);
        var target = move switch
        {
            PageMove.Up => Math.Max(0, index - 1),
            PageMove.Down => Math.Min(pages.Count, index + 1),
            PageMove.First => 0,
            _ => pages.Count,
        };
        pages.Insert(target, moving);
        for (var i = 0; i < pages.Count; i++)
        {
            pages[i].Order = i;
        }

        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Challenge(moving.ChallengeId));
        return Result<bool>.Ok(true);
    }

    private async Task<List<ChallengePage>> AllAsync(Guid challengeId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var pages = await db.ChallengePages.AsNoTracking().Where(p => p.ChallengeId == challengeId).ToListAsync(ct);
        return pages.OrderBy(p => p.Order).ThenBy(p => p.Created).ToList();
    }

    private async Task<Result<bool>?> DenyAsync(Actor actor, ChallengePage? page, CancellationToken ct)
    {
        if (page is null)
        {
            return Result<bool>.NotFound("No such page.");
        }

        var admin = await ChallengeService.RequireAdminAsync(access, actor, page.ChallengeId, ct);
        return admin.Succeeded ? null : admin.As<bool>();
    }

    private static FieldErrors Validate(PageDraft draft, out string title, out string content)
    {
        var errors = new FieldErrors();
        title = (draft.Title ?? "").Trim();
        content = draft.ContentMarkdown ?? "";
        if (title.Length == 0)
        {
            errors.Add("title", "A title is required.");
        }
        else if (title.Length > ChallengeRules.MaxPageTitleLength)
        {
            errors.Add("title", $"The title may have at most {ChallengeRules.MaxPageTitleLength} characters.");
        }

        if (content.Length > ChallengeRules.MaxPageContentLength)
        {
            errors.Add("content_markdown", $"The page may have at most {ChallengeRules.MaxPageContentLength} characters.");
        }

        if (!Enum.IsDefined(draft.Visibility))
        {
            errors.Add("visibility", "Unknown visibility.");
        }

        return errors;
    }
}

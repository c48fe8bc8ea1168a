using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Challenges;

public sealed record NewChallengeRequest(string? ShortName, string? Title, string? Description = null, string? ContactEmail = null);

/// <summary>A challenge request with the names a reviewer needs.</summary>
public sealed record ChallengeRequestView(
    Guid Id,
    string ShortName,
    string Title,
    string Description,
    string? ContactEmail,
    Guid CreatorId,
    string CreatorUsername,
    RequestStatus Status,
    string ReviewNote,
    Guid? ChallengeId,
    DateTimeOffset Created,
    DateTimeOffset Modified);

public interface IChallengeRequestService
{
    /// <summary>Files a request (any signed-in user); accepted at once when <see cref="ChallengesOptions.AutoAcceptRequests"/> is on.</summary>
    Task<Result<ChallengeRequestView>> CreateAsync(Actor actor, NewChallengeRequest draft, CancellationToken ct = default);

    /// <summary>Site admins see every request, newest first; everyone else their own.</summary>
    Task<IReadOnlyList<ChallengeRequestView>> ListAsync(Actor actor, CancellationToken ct = default);

    /// <summary>Creates the challenge (hidden until its admins show it), makes the requester its admin and tells them.</summary>
    Task<Result<ChallengeRequestView>> AcceptAsync(Actor actor, Guid requestId, CancellationToken ct = default);

    Task<Result<ChallengeRequestView>> RejectAsync(Actor actor, Guid requestId, string? note, CancellationToken ct = default);
}

public sealed class ChallengeRequestService(
    IDbContextFactory<AppDbContext> dbFactory,
    INotificationService notifications,
    IChangeNotifier notifier,
    IOptions<ChallengesOptions> options,
    TimeProvider clock) : IChallengeRequestService
{
    public const int MaxReviewNoteLength = 2000;

    public async Task<Result<ChallengeRequestView>> CreateAsync(Actor actor, NewChallengeRequest draft, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return Result<ChallengeRequestView>.Forbidden("Sign in to request a challenge.");
        }

        var errors = new FieldErrors();
        var shortName = ChallengeRules.NormalizeShortName(draft.ShortName);
        var title = (draft.Title ?? "").Trim();
        var description = (draft.Description ?? "").Trim();
        var email = ChallengeService.Blank(draft.ContactEmail);
        ChallengeService.Check(errors, "short_name", ChallengeRules.CheckShortName(shortName));
        ChallengeService.Check(errors, "title", ChallengeRules.CheckTitle(title));
        ChallengeService.Check(errors, "description", ChallengeRules.CheckDescription(description));
        ChallengeService.Check(errors, "contact_email", ChallengeRules.CheckEmail(email));

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!errors.Has("short_name"))
        {
            if (await db.Challenges.AnyAsync(c => c.ShortName == shortName, ct))
            {
                errors.Add("short_name", ChallengeService.TakenMessage(shortName));
            }
            else if (await db.ChallengeRequests.AnyAsync(r => r.ShortName == shortName && r.Status == RequestStatus.Pending, ct))
            {
                errors.Add("short_name", $"A request for a challenge named '{shortName}' is already waiting for review.");
            }
        }

        if (errors.Any)
        {
            return errors.ToResult<ChallengeRequestView>();
        }

        var request = new ChallengeRequest { ShortName = shortName, Title = title, Description = description, ContactEmail = email, CreatorId = userId };
        db.ChallengeRequests.Add(request);
        await db.SaveChangesAsync(ct);
        notifier.Publish(ChallengeTopics.Requests);

        if (options.Value.AutoAcceptRequests)
        {
            return await DecideAsync(request.Id, RequestStatus.Accepted, "Accepted automatically.", ct);
        }

        var reviewers = await SiteAdminIdsAsync(db, ct);
        await notifications.NotifyAsync(reviewers, $"New challenge request: {title} ({shortName}).", "/challenges/requests", ct);
        return Result<ChallengeRequestView>.Ok(await ViewAsync(db, request.Id, ct));
    }

    public async Task<IReadOnlyList<ChallengeRequestView>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        if (!actor.IsAuthenticated)
        {
            return [];
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.ChallengeRequests.AsNoTracking();
        if (!actor.IsSiteAdmin)
        {
            query = query.Where(r => r.CreatorId == actor.UserId);
        }

        var views = await Views(db, query).ToListAsync(ct);
        return views.OrderByDescending(v => v.Created).ToList();
    }

    public async Task<Result<ChallengeRequestView>> AcceptAsync(Actor actor, Guid requestId, CancellationToken ct = default) =>
        actor.IsSiteAdmin
            ? await DecideAsync(requestId, RequestStatus.Accepted, "", ct)
            : Result<ChallengeRequestView>.Forbidden("Only site admins review challenge requests.");

    public async Task<Result<ChallengeRequestView>> RejectAsync(Actor actor, Guid requestId, string? note, CancellationToken ct = default)
    {
        if (!actor.IsSiteAdmin)
        {
            return Result<ChallengeRequestView>.Forbidden("Only site admins review challenge requests.");
        }

        var text = (note ?? "").Trim();
        return text.Length > MaxReviewNoteLength
            ? Result<ChallengeRequestView>.Invalid("review_note", $"The note may have at most {MaxReviewNoteLength} characters.")
            : await DecideAsync(requestId, RequestStatus.Rejected, text, ct);
    }

    private async Task<Result<ChallengeRequestView>> DecideAsync(Guid requestId, RequestStatus status, string note, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.ChallengeRequests.SingleOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return Result<ChallengeRequestView>.NotFound("No such challenge request.");
        }

        if (request.Status != RequestStatus.Pending)
        {
            return Result<ChallengeRequestView>.Fail($"This request was already {request.Status.ToString().ToLowerInvariant()}.");
        }

        // Claim the decision first: of two reviewers deciding at once, only one changes the status.
        var claimed = await db.ChallengeRequests
            .Where(r => r.Id == requestId && r.Status == RequestStatus.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.ReviewNote, note).SetProperty(r => r.Modified, clock.GetUtcNow()), ct);
        if (claimed == 0)
        {
            return Result<ChallengeRequestView>.Fail("This request was decided by someone else meanwhile.");
        }

        string message;
        string? link;
        if (status == RequestStatus.Accepted)
        {
            var challenge = new Challenge
            {
                ShortName = request.ShortName,
                Title = request.Title,
                Description = request.Description,
                ContactEmail = request.ContactEmail,
                Hidden = true,
            };
            var created = await ChallengeService.AddChallengeAsync(db, challenge, request.CreatorId, ct);
            if (!created.Succeeded)
            {
                await db.ChallengeRequests.Where(r => r.Id == requestId)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RequestStatus.Pending).SetProperty(r => r.ReviewNote, ""), ct);
                return created.As<ChallengeRequestView>();
            }

            db.ChangeTracker.Clear();
            await db.ChallengeRequests.Where(r => r.Id == requestId).ExecuteUpdateAsync(s => s.SetProperty(r => r.ChallengeId, challenge.Id), ct);
            message = $"Your challenge request '{request.Title}' was accepted. The challenge is hidden until you show it in its settings.";
            link = $"/challenges/{request.ShortName}/admin";
        }
        else
        {
            message = $"Your challenge request '{request.Title}' was rejected." + (note.Length > 0 ? $" {note}" : "");
            link = "/challenges/request";
        }

        notifier.Publish(ChallengeTopics.Requests);
        await notifications.NotifyAsync([request.CreatorId], message, link, ct);
        return Result<ChallengeRequestView>.Ok(await ViewAsync(db, requestId, ct));
    }

    internal static IQueryable<Guid> SiteAdminIds(AppDbContext db) =>
        db.UserRoles.Join(db.Roles.Where(r => r.Name == SiteRoles.SiteAdmin), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId);

    private static async Task<List<Guid>> SiteAdminIdsAsync(AppDbContext db, CancellationToken ct) => await SiteAdminIds(db).ToListAsync(ct);

    private static async Task<ChallengeRequestView> ViewAsync(AppDbContext db, Guid id, CancellationToken ct) =>
        await Views(db, db.ChallengeRequests.AsNoTracking().Where(r => r.Id == id)).SingleAsync(ct);

    private static IQueryable<ChallengeRequestView> Views(AppDbContext db, IQueryable<ChallengeRequest> requests) =>
        requests.Join(db.Users, r => r.CreatorId, u => u.Id, (r, u) => new ChallengeRequestView(
            r.Id, r.ShortName, r.Title, r.Description, r.ContactEmail, r.CreatorId, u.UserName!, r.Status, r.ReviewNote, r.ChallengeId, r.Created, r.Modified));
}

using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Algorithms;

/// <summary>One interface of a new algorithm: the slugs of its input and output sockets.</summary>
public sealed record InterfaceDraft(IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>A new algorithm. An empty slug is made from the title; null numbers take the defaults. Field errors are snake_case.</summary>
public sealed record NewAlgorithm(
    string? Title,
    IReadOnlyList<InterfaceDraft> Interfaces,
    string? Slug = null,
    string? Description = null,
    string? Detail = null,
    bool Public = false,
    AccessRequestHandling AccessRequestHandling = AccessRequestHandling.ManualReview,
    int? TimeLimitSeconds = null,
    int? MemoryGb = null,
    bool RequiresGpu = false,
    int? JobQuotaPerUser = null,
    int? JobQuotaPeriodDays = null,
    string? JobCreatePageMarkdown = null);

/// <summary>What an algorithm's editors may change; the slug stays (it is the algorithm's address), interfaces are only added.</summary>
public sealed record AlgorithmSettings(
    string? Title,
    string? Description,
    string? Detail,
    string? JobCreatePageMarkdown,
    bool Public,
    AccessRequestHandling AccessRequestHandling,
    int TimeLimitSeconds,
    int MemoryGb,
    bool RequiresGpu,
    int JobQuotaPerUser,
    int JobQuotaPeriodDays)
{
    public static AlgorithmSettings Of(Algorithm a) => new(a.Title, a.Description, a.Detail, a.JobCreatePageMarkdown, a.Public,
        a.AccessRequestHandling, a.TimeLimitSeconds, a.MemoryGb, a.RequiresGpu, a.JobQuotaPerUser, a.JobQuotaPeriodDays);
}

public sealed record AlgorithmSummary(
    Guid Id, string Slug, string Title, string Description, bool Public, bool RequiresGpu, double? AverageDurationSeconds, DateTimeOffset Created,
    string? LogoBlobKey = null);

/// <summary>A user holding a role on an algorithm.</summary>
public sealed record AlgorithmMember(Guid UserId, string Username, string Role);

/// <summary>A request to become a user of an algorithm, as its editors see it.</summary>
public sealed record AlgorithmAccessRequestView(
    Guid Id, Guid AlgorithmId, Guid UserId, string Username, bool EmailConfirmed, AccessRequestStatus Status, DateTimeOffset Created);

public interface IAlgorithmService
{
    /// <summary>Any signed-in user creates algorithms; the creator becomes its editor.</summary>
    Task<Result<Algorithm>> CreateAsync(Actor actor, NewAlgorithm draft, CancellationToken ct = default);

    Task<Result<Algorithm>> UpdateAsync(Actor actor, Guid algorithmId, AlgorithmSettings settings, CancellationToken ct = default);

    /// <summary>Public algorithms and those the actor holds a role on (all for site admins), newest first; <paramref name="slug"/> filters exactly, <paramref name="search"/> matches title, slug and description.</summary>
    Task<IReadOnlyList<AlgorithmSummary>> ListVisibleAsync(Actor actor, string? slug = null, string? search = null, CancellationToken ct = default);

    /// <summary>By slug or id; null when missing or hidden from the actor.</summary>
    Task<AlgorithmAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default);

    /// <summary>The algorithm's interfaces with their sockets, in the order they were added.</summary>
    Task<IReadOnlyList<AlgorithmInterfaceView>> InterfacesAsync(Algorithm algorithm, CancellationToken ct = default);

    /// <summary>Adds an interface (editors). Its input set must differ from those of the algorithm's other interfaces.</summary>
    Task<Result<Algorithm>> AddInterfaceAsync(Actor actor, Guid algorithmId, InterfaceDraft draft, CancellationToken ct = default);

    Task<Result<IReadOnlyList<AlgorithmMember>>> MembersAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    Task<Result<AlgorithmMember>> AddMemberAsync(Actor actor, Guid algorithmId, string role, string? username, CancellationToken ct = default);

    Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid algorithmId, string role, Guid userId, CancellationToken ct = default);

    /// <summary>A signed-in user without a role asks to use the algorithm; answered at once or left for the editors per <see cref="Algorithm.AccessRequestHandling"/>.</summary>
    Task<Result<AlgorithmPermissionRequest>> RequestAccessAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>The actor's own request for this algorithm, if any.</summary>
    Task<AlgorithmPermissionRequest?> OwnRequestAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>Every request for the algorithm, pending first (editors).</summary>
    Task<Result<IReadOnlyList<AlgorithmAccessRequestView>>> AccessRequestsAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>Accepts (the requester becomes a user) or rejects (a user role from an earlier acceptance is taken away) a request (editors).</summary>
    Task<Result<AlgorithmAccessRequestView>> DecideAccessRequestAsync(Actor actor, Guid requestId, bool accept, CancellationToken ct = default);

    /// <summary>The container images of the algorithm, newest first (editors).</summary>
    Task<Result<IReadOnlyList<ContainerImageInfo>>> ImagesAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>One algorithm image with the algorithm it belongs to: 404 when either is hidden, 403 for non-editors.</summary>
    Task<Result<(ContainerImageInfo Image, Algorithm Algorithm)>> ImageAsync(Actor actor, Guid imageId, CancellationToken ct = default);

    /// <summary>Ids of the algorithms the actor edits (all for site admins).</summary>
    Task<IReadOnlyList<Guid>> EditableAlgorithmIdsAsync(Actor actor, CancellationToken ct = default);

    /// <summary>
    /// Deletes the algorithm with its jobs, models, members and requests; its images leave storage and the engine. Refused
    /// (<see cref="FailureKind.Invalid"/> without field errors) while a job waits or runs, an image imports, or one of its
    /// images was submitted to a phase: what was evaluated is kept.
    /// </summary>
    Task<Result<bool>> DeleteAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>Replaces the logo (PNG or JPEG, at most <see cref="AlgorithmService.MaxLogoBytes"/>; editors).</summary>
    Task<Result<Algorithm>> SetLogoAsync(Actor actor, Guid algorithmId, Stream content, CancellationToken ct = default);

    Task<Result<Algorithm>> RemoveLogoAsync(Actor actor, Guid algorithmId, CancellationToken ct = default);

    /// <summary>The logo, when the algorithm is visible to the actor and has one.</summary>
    Task<Picture?> OpenLogoAsync(Actor actor, string slugOrId, CancellationToken ct = default);
}

public sealed class AlgorithmService(
    IDbContextFactory<AppDbContext> dbFactory,
    IAlgorithmAccess access,
    IPermissionService permissions,
    IContainerImageService images,
    IContainerImageJobs imageJobs,
    IBlobStore blobs,
    INotificationService notifications,
    IChangeNotifier notifier) : IAlgorithmService
{
    public const string NotFoundMessage = "No such algorithm, or it is hidden from you.";
    public const string NotEditorMessage = "Only the algorithm's editors may do that.";
    public const string SubmittedMessage =
        "The algorithm cannot be deleted: one of its container images was submitted to a challenge phase, and what was evaluated is kept.";
    public const string ActiveJobsMessage = "The algorithm cannot be deleted while {0} of its jobs are waiting or running; delete it when they have ended.";
    public const string ImportingMessage = "The algorithm cannot be deleted while one of its container images is being imported; try again when the import has finished.";
    public const int MinTimeLimitSeconds = 300;
    public const int MaxTimeLimitSeconds = 86_400;
    public const int MinMemoryGb = 4;
    public const int MaxMemoryGb = 32;
    public const int MaxJobQuota = 100_000;
    public const int MaxQuotaPeriodDays = 366;
    public const long MaxLogoBytes = 2L << 20;

    /// <summary>Paths under <c>/algorithms/</c> and <c>/api/v1/algorithms/</c> that no algorithm may shadow.</summary>
    public static readonly IReadOnlySet<string> ReservedSlugs = new HashSet<string>(StringComparer.Ordinal)
    {
        "create", "new", "jobs", "images", "models", "interfaces", "members", "access-requests", "edit", "api", "list", "search",
    };

    public async Task<Result<Algorithm>> CreateAsync(Actor actor, NewAlgorithm draft, CancellationToken ct = default)
    {
        if (!actor.IsAuthenticated)
        {
            return Result<Algorithm>.Forbidden("Sign in to create an algorithm.");
        }

        var errors = new FieldErrors();
        var title = (draft.Title ?? "").Trim();
        var slug = string.IsNullOrWhiteSpace(draft.Slug) ? ArchiveRules.Slugify(title) : ArchiveRules.NormalizeSlug(draft.Slug);
        var description = (draft.Description ?? "").Trim();
        Check(errors, "title", ArchiveRules.CheckTitle(title));
        if (!errors.Has("title") || slug.Length > 0)
        {
            Check(errors, "slug", CheckSlug(slug));
        }

        Check(errors, "description", ArchiveRules.CheckDescription(description));
        var settings = new AlgorithmSettings(title, description, draft.Detail, draft.JobCreatePageMarkdown, draft.Public, draft.AccessRequestHandling,
            draft.TimeLimitSeconds ?? Algorithm.DefaultTimeLimitSeconds, draft.MemoryGb ?? Algorithm.DefaultMemoryGb, draft.RequiresGpu,
            draft.JobQuotaPerUser ?? 50, draft.JobQuotaPeriodDays ?? 30);
        CheckLimits(errors, settings);
        if (draft.Interfaces.Count == 0)
        {
            errors.Add("interfaces", "An algorithm needs at least one interface: the sockets it reads and the sockets it writes.");
        }
        else if (draft.Interfaces.Any(i => i.Inputs.Count == 0 || i.Outputs.Count == 0))
        {
            errors.Add("interfaces", "Each interface needs at least one input and one output socket.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (!errors.Has("slug") && slug.Length > 0 && await db.Algorithms.AnyAsync(a => a.Slug == slug, ct))
        {
            errors.Add("slug", TakenMessage(slug));
        }

        if (errors.Any)
        {
            return errors.ToResult<Algorithm>();
        }

        var interfaceIds = new List<int>();
        var inputSets = new List<List<int>>();
        foreach (var item in draft.Interfaces)
        {
            var made = await AlgorithmInterfaces.GetOrCreateAsync(db, item.Inputs, item.Outputs, ct);
            if (!made.Succeeded)
            {
                return Result<Algorithm>.Invalid("interfaces", made.Error!);
            }

            if (inputSets.Any(s => s.SequenceEqual(made.Value!.InputSocketIds)))
            {
                return Result<Algorithm>.Invalid("interfaces", DuplicateInputsMessage(item.Inputs));
            }

            inputSets.Add(made.Value!.InputSocketIds);
            interfaceIds.Add(made.Value!.Id);
        }

        var algorithm = new Algorithm { Title = title, Slug = slug, CreatorId = actor.UserId, InterfaceIds = interfaceIds };
        Apply(algorithm, settings);
        db.Algorithms.Add(algorithm);
        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Algorithm, ObjectId = algorithm.Id, Role = ObjectRoles.Editor, UserId = actor.UserId });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.Algorithms.AnyAsync(a => a.Slug == slug, ct))
            {
                return Result<Algorithm>.Invalid("slug", TakenMessage(slug));
            }

            throw;
        }

        notifier.Publish(AlgorithmTopics.List);
        return Result<Algorithm>.Ok(algorithm);
    }

    private static string TakenMessage(string slug) => $"An algorithm with the slug '{slug}' already exists.";

    private static string DuplicateInputsMessage(IEnumerable<string> inputs) =>
        $"Another interface of this algorithm already takes exactly these inputs ({string.Join(", ", inputs)}); input sets must differ.";

    public static string? CheckSlug(string slug) =>
        ArchiveRules.CheckSlug(slug) ?? (ReservedSlugs.Contains(slug) ? $"'{slug}' is reserved; choose another slug." : null);

    private static void CheckLimits(FieldErrors errors, AlgorithmSettings s)
    {
        if (s.TimeLimitSeconds is < MinTimeLimitSeconds or > MaxTimeLimitSeconds)
        {
            errors.Add("time_limit", $"The time limit must be between {MinTimeLimitSeconds} and {MaxTimeLimitSeconds:N0} seconds.");
        }

        if (s.MemoryGb is < MinMemoryGb or > MaxMemoryGb)
        {
            errors.Add("job_requires_memory_gb", $"The memory must be between {MinMemoryGb} and {MaxMemoryGb} GB.");
        }

        if (s.JobQuotaPerUser is < 0 or > MaxJobQuota)
        {
            errors.Add("job_quota_per_user", $"The job quota must be between 0 and {MaxJobQuota:N0}.");
        }

        if (s.JobQuotaPeriodDays is < 1 or > MaxQuotaPeriodDays)
        {
            errors.Add("job_quota_period_days", $"The quota period must be between 1 and {MaxQuotaPeriodDays} days.");
        }

        if (!Enum.IsDefined(s.AccessRequestHandling))
        {
            errors.Add("access_request_handling", "Choose manual review, accept verified users or accept all.");
        }
    }

    private static void Apply(Algorithm algorithm, AlgorithmSettings s)
    {
        algorithm.Title = (s.Title ?? "").Trim();
        algorithm.Description = (s.Description ?? "").Trim();
        algorithm.Detail = s.Detail ?? "";
        algorithm.JobCreatePageMarkdown = s.JobCreatePageMarkdown ?? "";
        algorithm.Public = s.Public;
        algorithm.AccessRequestHandling = s.AccessRequestHandling;
        algorithm.TimeLimitSeconds = s.TimeLimitSeconds;
        algorithm.MemoryGb = s.MemoryGb;
        algorithm.RequiresGpu = s.RequiresGpu;
        algorithm.JobQuotaPerUser = s.JobQuotaPerUser;
        algorithm.JobQuotaPeriodDays = s.JobQuotaPeriodDays;
    }

    public async Task<Result<Algorithm>> UpdateAsync(Actor actor, Guid algorithmId, AlgorithmSettings settings, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Algorithm>();
        }

        var errors = new FieldErrors();
        Check(errors, "title", ArchiveRules.CheckTitle((settings.Title ?? "").Trim()));
        Check(errors, "description", ArchiveRules.CheckDescription((settings.Description ?? "").Trim()));
        CheckLimits(errors, settings);
        if (errors.Any)
        {
            return errors.ToResult<Algorithm>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var algorithm = await db.Algorithms.SingleAsync(a => a.Id == algorithmId, ct);
        Apply(algorithm, settings);
        await db.SaveChangesAsync(ct);
        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        notifier.Publish(AlgorithmTopics.List);
        return Result<Algorithm>.Ok(algorithm);
    }

    public async Task<IReadOnlyList<AlgorithmSummary>> ListVisibleAsync(Actor actor, string? slug = null, string? search = null, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var visible = access.VisibleAlgorithmIds(db, actor);
        var query = db.Algorithms.AsNoTracking().Where(a => visible.Contains(a.Id));
        if (slug is not null)
        {
            var normalized = ArchiveRules.NormalizeSlug(slug);
            query = query.Where(a => a.Slug == normalized);
        }

        var list = await query
            .Select(a => new AlgorithmSummary(a.Id, a.Slug, a.Title, a.Description, a.Public, a.RequiresGpu, a.AverageDurationSeconds, a.Created, a.LogoBlobKey))
            .ToListAsync(ct);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var text = search.Trim();
            list = list.Where(a => a.Title.Contains(text, StringComparison.OrdinalIgnoreCase) || a.Slug.Contains(text, StringComparison.OrdinalIgnoreCase)
                                   || a.Description.Contains(text, StringComparison.OrdinalIgnoreCase)).ToList();
        }

        return list.OrderByDescending(a => a.Created).ToList();
    }

    public Task<AlgorithmAccessContext?> FindAsync(Actor actor, string slugOrId, CancellationToken ct = default) =>
        access.FindAsync(actor, slugOrId, ct);

    public async Task<IReadOnlyList<AlgorithmInterfaceView>> InterfacesAsync(Algorithm algorithm, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await AlgorithmInterfaces.LoadAsync(db, algorithm.InterfaceIds, ct);
    }

    public async Task<Result<Algorithm>> AddInterfaceAsync(Actor actor, Guid algorithmId, InterfaceDraft draft, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Algorithm>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var algorithm = await db.Algorithms.SingleAsync(a => a.Id == algorithmId, ct);
        var made = await AlgorithmInterfaces.GetOrCreateAsync(db, draft.Inputs, draft.Outputs, ct);
        if (!made.Succeeded)
        {
            return made.As<Algorithm>();
        }

        if (algorithm.InterfaceIds.Contains(made.Value!.Id))
        {
            return Result<Algorithm>.Invalid("interfaces", "The algorithm already has this interface.");
        }

        var existing = await db.AlgorithmInterfaces.AsNoTracking().Where(i => algorithm.InterfaceIds.Contains(i.Id)).ToListAsync(ct);
        if (existing.Any(i => i.InputSocketIds.Order().SequenceEqual(made.Value.InputSocketIds.Order())))
        {
            return Result<Algorithm>.Invalid("interfaces", DuplicateInputsMessage(draft.Inputs));
        }

        algorithm.InterfaceIds = [.. algorithm.InterfaceIds, made.Value.Id];
        await db.SaveChangesAsync(ct);
        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        return Result<Algorithm>.Ok(algorithm);
    }

    public async Task<Result<IReadOnlyList<AlgorithmMember>>> MembersAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<IReadOnlyList<AlgorithmMember>>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var members = await db.ObjectRoles.AsNoTracking()
            .Where(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == algorithmId && r.UserId != null)
            .Join(db.Users, r => r.UserId, u => u.Id, (r, u) => new AlgorithmMember(u.Id, u.UserName!, r.Role))
            .ToListAsync(ct);
        return Result<IReadOnlyList<AlgorithmMember>>.Ok(members
            .OrderBy(m => Array.IndexOf(ObjectKinds.Roles[ObjectKinds.Algorithm], m.Role))
            .ThenBy(m => m.Username, StringComparer.OrdinalIgnoreCase)
            .ToList());
    }

    public async Task<Result<AlgorithmMember>> AddMemberAsync(Actor actor, Guid algorithmId, string role, string? username, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<AlgorithmMember>();
        }

        if (!ObjectKinds.IsValid(ObjectKinds.Algorithm, role))
        {
            return Result<AlgorithmMember>.Invalid("role", $"'{role}' is not a role of an algorithm; use editor or user.");
        }

        var name = (username ?? "").Trim();
        if (name.Length == 0)
        {
            return Result<AlgorithmMember>.Invalid("username", "Give the username of the user to add.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var normalized = name.ToUpperInvariant();
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUserName == normalized, ct);
        if (user is null)
        {
            return Result<AlgorithmMember>.Invalid("username", $"There is no user named '{name}'.");
        }

        if (await db.ObjectRoles.AnyAsync(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == algorithmId && r.Role == role && r.UserId == user.Id, ct))
        {
            return Result<AlgorithmMember>.Invalid("username", $"{user.UserName} is already {Article(role)} {role} of this algorithm.");
        }

        db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Algorithm, ObjectId = algorithmId, Role = role, UserId = user.Id });
        await db.SaveChangesAsync(ct);
        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        return Result<AlgorithmMember>.Ok(new AlgorithmMember(user.Id, user.UserName!, role));
    }

    public async Task<Result<bool>> RemoveMemberAsync(Actor actor, Guid algorithmId, string role, Guid userId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<bool>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var holders = db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == algorithmId && r.Role == role && r.UserId != null);
        var ids = await holders.Select(r => r.UserId!.Value).Distinct().ToListAsync(ct);
        if (!ids.Contains(userId))
        {
            return Result<bool>.NotFound($"That user is not {Article(role)} {role} of this algorithm.");
        }

        if (role == ObjectRoles.Editor && ids.Count == 1)
        {
            return Result<bool>.Invalid("username", "The last editor of an algorithm cannot be removed; add another editor first.");
        }

        await holders.Where(r => r.UserId == userId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<AlgorithmPermissionRequest>> RequestAccessAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (!actor.IsAuthenticated)
        {
            return Result<AlgorithmPermissionRequest>.Forbidden("Sign in to request access to an algorithm.");
        }

        if (await access.FindAsync(actor, algorithmId, ct) is not { } context)
        {
            return Result<AlgorithmPermissionRequest>.NotFound(NotFoundMessage);
        }

        if (context.CanExecute)
        {
            return Result<AlgorithmPermissionRequest>.Invalid("non_field_errors", "You already have access to this algorithm.");
        }

        var algorithm = context.Algorithm;
        var userId = actor.UserId!.Value;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == userId, ct);
        var request = await db.AlgorithmPermissionRequests.FirstOrDefaultAsync(r => r.AlgorithmId == algorithmId && r.UserId == userId, ct);
        switch (request?.Status)
        {
            case AccessRequestStatus.Pending:
                return Result<AlgorithmPermissionRequest>.Invalid("non_field_errors", "You have already asked for access; the algorithm's editors will answer.");
            case AccessRequestStatus.Rejected:
                return Result<AlgorithmPermissionRequest>.Invalid("non_field_errors", "Your request for access to this algorithm was rejected.");
        }

        // An earlier acceptance whose user role was taken away since is asked again, as a new request would be.
        request ??= db.AlgorithmPermissionRequests.Add(new AlgorithmPermissionRequest { AlgorithmId = algorithmId, UserId = userId }).Entity;
        var accept = algorithm.AccessRequestHandling switch
        {
            AccessRequestHandling.AcceptAll => true,
            AccessRequestHandling.AcceptVerifiedUsers => user.EmailConfirmed,
            _ => false,
        };
        request.Status = accept ? AccessRequestStatus.Accepted : AccessRequestStatus.Pending;
        if (accept)
        {
            db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Algorithm, ObjectId = algorithmId, Role = ObjectRoles.User, UserId = userId });
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return Result<AlgorithmPermissionRequest>.Invalid("non_field_errors", "You have already asked for access; the algorithm's editors will answer.");
        }

        var link = $"/algorithms/{algorithm.Slug}";
        if (accept)
        {
            await notifications.NotifyAsync([userId], $"You may now use the algorithm {algorithm.Title}.", link, ct);
        }
        else
        {
            var editors = await permissions.UsersWithRoleAsync(ObjectKinds.Algorithm, algorithmId, ObjectRoles.Editor, ct);
            await notifications.NotifyAsync(editors, $"{user.UserName} asks for access to the algorithm {algorithm.Title}.", link, ct);
        }

        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        return Result<AlgorithmPermissionRequest>.Ok(request);
    }

    public async Task<AlgorithmPermissionRequest?> OwnRequestAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.AlgorithmPermissionRequests.AsNoTracking().FirstOrDefaultAsync(r => r.AlgorithmId == algorithmId && r.UserId == userId, ct);
    }

    public async Task<Result<IReadOnlyList<AlgorithmAccessRequestView>>> AccessRequestsAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<IReadOnlyList<AlgorithmAccessRequestView>>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var list = await RequestViews(db, db.AlgorithmPermissionRequests.Where(r => r.AlgorithmId == algorithmId)).ToListAsync(ct);
        return Result<IReadOnlyList<AlgorithmAccessRequestView>>.Ok(list
            .OrderBy(r => r.Status != AccessRequestStatus.Pending).ThenByDescending(r => r.Created).ToList());
    }

    public async Task<Result<AlgorithmAccessRequestView>> DecideAccessRequestAsync(Actor actor, Guid requestId, bool accept, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.AlgorithmPermissionRequests.FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return Result<AlgorithmAccessRequestView>.NotFound("No such access request.");
        }

        var editor = await RequireEditorAsync(actor, request.AlgorithmId, ct);
        if (!editor.Succeeded)
        {
            return editor.Kind == FailureKind.NotFound
                ? Result<AlgorithmAccessRequestView>.NotFound("No such access request.")
                : editor.As<AlgorithmAccessRequestView>();
        }

        var algorithm = editor.Value!.Algorithm;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        request.Status = accept ? AccessRequestStatus.Accepted : AccessRequestStatus.Rejected;
        var roles = db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == request.AlgorithmId
                                              && r.Role == ObjectRoles.User && r.UserId == request.UserId);
        if (accept && !await roles.AnyAsync(ct))
        {
            db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Algorithm, ObjectId = request.AlgorithmId, Role = ObjectRoles.User, UserId = request.UserId });
        }
        else if (!accept)
        {
            await roles.ExecuteDeleteAsync(ct);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await notifications.NotifyAsync([request.UserId],
            accept ? $"Your request to use the algorithm {algorithm.Title} was accepted." : $"Your request to use the algorithm {algorithm.Title} was rejected.",
            $"/algorithms/{algorithm.Slug}", ct);
        notifier.Publish(AlgorithmTopics.Algorithm(request.AlgorithmId));
        return Result<AlgorithmAccessRequestView>.Ok(await RequestViews(db, db.AlgorithmPermissionRequests.Where(r => r.Id == requestId)).SingleAsync(ct));
    }

    public async Task<Result<IReadOnlyList<ContainerImageInfo>>> ImagesAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<IReadOnlyList<ContainerImageInfo>>();
        }

        return Result<IReadOnlyList<ContainerImageInfo>>.Ok(await images.ListOwnedAsync(ContainerImageKind.Algorithm, algorithmId, ct));
    }

    public async Task<Result<(ContainerImageInfo Image, Algorithm Algorithm)>> ImageAsync(Actor actor, Guid imageId, CancellationToken ct = default)
    {
        const string noSuchImage = "No such algorithm image, or it is hidden from you.";
        if (await images.GetAsync(imageId, ct) is not { Kind: ContainerImageKind.Algorithm, OwnerId: { } owner } image
            || await access.FindAsync(actor, owner, ct) is not { } context)
        {
            return Result<(ContainerImageInfo, Algorithm)>.NotFound(noSuchImage);
        }

        return context.IsEditor
            ? Result<(ContainerImageInfo, Algorithm)>.Ok((image, context.Algorithm))
            : Result<(ContainerImageInfo, Algorithm)>.Forbidden(NotEditorMessage);
    }

    public async Task<IReadOnlyList<Guid>> EditableAlgorithmIdsAsync(Actor actor, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (actor.IsSiteAdmin)
        {
            return await db.Algorithms.Select(a => a.Id).ToListAsync(ct);
        }

        return await permissions.ObjectIdsWithRole(db, actor, ObjectKinds.Algorithm, ObjectRoles.Editor).ToListAsync(ct);
    }

    private static IQueryable<AlgorithmAccessRequestView> RequestViews(AppDbContext db, IQueryable<AlgorithmPermissionRequest> requests) =>
        requests.AsNoTracking()
            .Join(db.Users, r => r.UserId, u => u.Id, (r, u) => new AlgorithmAccessRequestView(r.Id, r.AlgorithmId, r.UserId, u.UserName!, u.EmailConfirmed, r.Status, r.Created));

    public async Task<Result<bool>> DeleteAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<bool>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var imageIds = await db.ContainerImages.Where(i => i.Kind == ContainerImageKind.Algorithm && i.OwnerId == algorithmId).Select(i => i.Id).ToListAsync(ct);
        var jobIds = db.AlgorithmJobs.Where(j => j.AlgorithmId == algorithmId).Select(j => j.JobId);
        if (await db.Submissions.AnyAsync(s => s.AlgorithmImageId != null && imageIds.Contains(s.AlgorithmImageId.Value), ct))
        {
            return Result<bool>.Fail(SubmittedMessage);
        }

        var active = await db.ComponentJobs.CountAsync(j => jobIds.Contains(j.Id) && j.Status != ComponentJobStatus.Succeeded
                                                            && j.Status != ComponentJobStatus.Failed && j.Status != ComponentJobStatus.Cancelled, ct);
        if (active > 0)
        {
            return Result<bool>.Fail(string.Format(System.Globalization.CultureInfo.InvariantCulture, ActiveJobsMessage, active));
        }

        if (await db.ContainerImages.AnyAsync(i => imageIds.Contains(i.Id) && i.ImportStatus == ContainerImageImportStatus.Started, ct))
        {
            return Result<bool>.Fail(ImportingMessage);
        }

        var logo = await db.Algorithms.Where(a => a.Id == algorithmId).Select(a => a.LogoBlobKey).SingleAsync(ct);
        var modelIds = await db.AlgorithmModels.Where(m => m.AlgorithmId == algorithmId).Select(m => m.Id).ToListAsync(ct);
        // Deleting a component job deletes its algorithm job, values and viewers with it.
        await db.ComponentJobs.Where(j => jobIds.Contains(j.Id)).ExecuteDeleteAsync(ct);
        await db.AlgorithmModels.Where(m => m.AlgorithmId == algorithmId).ExecuteDeleteAsync(ct);
        await db.AlgorithmPermissionRequests.Where(r => r.AlgorithmId == algorithmId).ExecuteDeleteAsync(ct);
        await db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Algorithm && r.ObjectId == algorithmId).ExecuteDeleteAsync(ct);
        // The image rows stay behind as removed, so that the engine clean-up finds and untags them.
        await db.ContainerImages.Where(i => imageIds.Contains(i.Id)).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.IsRemoved, true)
            .SetProperty(i => i.IsDesiredVersion, false)
            .SetProperty(i => i.ImportStatus, i => i.ImportStatus == ContainerImageImportStatus.Queued || i.ImportStatus == ContainerImageImportStatus.ReQueued
                ? ContainerImageImportStatus.Cancelled
                : i.ImportStatus), ct);
        await db.Algorithms.Where(a => a.Id == algorithmId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);

        foreach (var id in imageIds)
        {
            await blobs.DeletePrefixAsync(ContainerImageService.BlobPrefix(id), CancellationToken.None);
            notifier.Publish(ContainerImageConventions.Topic(id), id);
            notifier.Publish(ContainerImageConventions.AllTopic, id);
        }

        foreach (var id in modelIds)
        {
            await blobs.DeletePrefixAsync($"algorithm-models/{id}", CancellationToken.None);
        }

        if (logo is not null)
        {
            await blobs.DeleteAsync(logo, CancellationToken.None);
        }

        if (imageIds.Count > 0)
        {
            await imageJobs.ScheduleEngineCleanupAsync(CancellationToken.None);
        }

        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        notifier.Publish(AlgorithmTopics.List);
        return Result<bool>.Ok(true);
    }

    public async Task<Result<Algorithm>> SetLogoAsync(Actor actor, Guid algorithmId, Stream content, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Algorithm>();
        }

        var stored = await Pictures.StoreAsync(blobs, content, MaxLogoBytes, "logo", $"algorithms/{algorithmId:N}/logo", ct);
        return stored.Succeeded ? await ReplaceLogoAsync(algorithmId, stored.Value, ct) : stored.As<Algorithm>();
    }

    public async Task<Result<Algorithm>> RemoveLogoAsync(Actor actor, Guid algorithmId, CancellationToken ct = default)
    {
        if (await RequireEditorAsync(actor, algorithmId, ct) is { Succeeded: false } denied)
        {
            return denied.As<Algorithm>();
        }

        return await ReplaceLogoAsync(algorithmId, null, ct);
    }

    private async Task<Result<Algorithm>> ReplaceLogoAsync(Guid algorithmId, string? key, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var algorithm = await db.Algorithms.SingleAsync(a => a.Id == algorithmId, ct);
        var old = algorithm.LogoBlobKey;
        algorithm.LogoBlobKey = key;
        await db.SaveChangesAsync(ct);
        if (old is not null)
        {
            await blobs.DeleteAsync(old, CancellationToken.None);
        }

        notifier.Publish(AlgorithmTopics.Algorithm(algorithmId));
        notifier.Publish(AlgorithmTopics.List);
        return Result<Algorithm>.Ok(algorithm);
    }

    public async Task<Picture?> OpenLogoAsync(Actor actor, string slugOrId, CancellationToken ct = default) =>
        await access.FindAsync(actor, slugOrId, ct) is { } context ? Pictures.Open(blobs, context.Algorithm.LogoBlobKey) : null;

    internal static async Task<Result<AlgorithmAccessContext>> RequireEditorAsync(IAlgorithmAccess access, Actor actor, Guid algorithmId, CancellationToken ct)
    {
        var context = await access.FindAsync(actor, algorithmId, ct);
        if (context is null)
        {
            return Result<AlgorithmAccessContext>.NotFound(NotFoundMessage);
        }

        return context.IsEditor ? Result<AlgorithmAccessContext>.Ok(context) : Result<AlgorithmAccessContext>.Forbidden(NotEditorMessage);
    }

    private Task<Result<AlgorithmAccessContext>> RequireEditorAsync(Actor actor, Guid algorithmId, CancellationToken ct) =>
        RequireEditorAsync(access, actor, algorithmId, ct);

    private static string Article(string role) => role == ObjectRoles.Editor ? "an" : "a";

    private static void Check(FieldErrors errors, string field, string? message)
    {
        if (message is not null)
        {
            errors.Add(field, message);
        }
    }
}

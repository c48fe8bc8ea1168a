using System.Text.Json;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Notifications;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A registration question as its admins write it; <see cref="SchemaJson"/> empty means <c>{"type":"string"}</c>.</summary>
public sealed record QuestionDraft(string? QuestionText, string? HelpText = null, string? SchemaJson = null, bool Required = true);

/// <summary>An answer to one question, named by its id or its text; <see cref="AnswerJson"/> is JSON, empty or null for none.</summary>
public sealed record AnswerDraft(string Question, string? AnswerJson);

public sealed record AnswerView(Guid QuestionId, string QuestionText, string AnswerJson);

/// <summary>A registration request with what its reviewers need to see.</summary>
public sealed record RegistrationView(
    Guid Id,
    Guid ChallengeId,
    string ChallengeShortName,
    Guid UserId,
    string Username,
    bool EmailConfirmed,
    RequestStatus Status,
    IReadOnlyList<AnswerView> Answers,
    DateTimeOffset Created,
    DateTimeOffset Modified);

public interface IRegistrationService
{
    Task<IReadOnlyList<RegistrationQuestion>> QuestionsAsync(Guid challengeId, CancellationToken ct = default);
    Task<Result<RegistrationQuestion>> AddQuestionAsync(Actor actor, Guid challengeId, QuestionDraft draft, CancellationToken ct = default);
    Task<Result<RegistrationQuestion>> UpdateQuestionAsync(Actor actor, Guid questionId, QuestionDraft draft, CancellationToken ct = default);
    Task<Result<bool>> DeleteQuestionAsync(Actor actor, Guid questionId, CancellationToken ct = default);

    /// <summary>
    /// Asks to join (one request per user and challenge). Depending on the challenge's handling the request is accepted
    /// at once or waits for an admin, who is then notified.
    /// </summary>
    Task<Result<RegistrationView>> RegisterAsync(Actor actor, Guid challengeId, IReadOnlyList<AnswerDraft> answers, CancellationToken ct = default);

    Task<RegistrationView?> OwnRequestAsync(Actor actor, Guid challengeId, CancellationToken ct = default);

    /// <summary>Admins see every request of the challenge; everyone else only their own.</summary>
    Task<Result<IReadOnlyList<RegistrationView>>> ListAsync(Actor actor, Guid challengeId, CancellationToken ct = default);

    /// <summary>Accepts (the user becomes a participant) or rejects (the user stops being one); admins may change their mind.</summary>
    Task<Result<RegistrationView>> DecideAsync(Actor actor, Guid requestId, RequestStatus status, CancellationToken ct = default);
}

public sealed class RegistrationService(
    IDbContextFactory<AppDbContext> dbFactory,
    IChallengeAccess access,
    IPermissionService permissions,
    INotificationService notifications,
    IChangeNotifier notifier) : IRegistrationService
{
    public const string DefaultSchema = """{"type":"string"}""";
    public const int MaxQuestionLength = 200;
    public const int MaxHelpTextLength = 1000;
    public const int MaxAnswerLength = 10_000;

    public static string AnswerField(Guid questionId) => $"answers.{questionId}";

    /// <summary>
    /// The JSON an answer typed into a form stands for: the text itself when it is JSON that satisfies the schema,
    /// otherwise the text as a JSON string (so "42" answers a string question as "42"); empty stays empty.
    /// </summary>
    public static string AnswerFromText(string? text, string schemaJson)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            return "";
        }

        var asString = JsonSerializer.Serialize(trimmed);
        try
        {
            using var parsed = JsonDocument.Parse(trimmed);
            if (ValueSchemas.Validate(SocketKinds.AnyJson, schemaJson, parsed.RootElement) is null)
            {
                return trimmed;
            }

            using var stringValue = JsonDocument.Parse(asString);
            return ValueSchemas.Validate(SocketKinds.AnyJson, schemaJson, stringValue.RootElement) is null ? asString : trimmed;
        }
        catch (JsonException)
        {
            return asString;
        }
    }

    public async Task<IReadOnlyList<RegistrationQuestion>> QuestionsAsync(Guid challengeId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var questions = await db.RegistrationQuestions.AsNoTracking().Where(q => q.ChallengeId == challengeId).ToListAsync(ct);
        return questions.OrderBy(q => q.Order).ThenBy(q => q.Created).ToList();
    }

    public async Task<Result<RegistrationQuestion>> AddQuestionAsync(Actor actor, Guid challengeId, QuestionDraft draft, CancellationToken ct = default)
    {
        var admin = await ChallengeService.RequireAdminAsync(access, actor, challengeId, ct);
        if (!admin.Succeeded)
        {
            return admin.As<RegistrationQuestion>();
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var errors = await ValidateQuestionAsync(db, challengeId, null, draft, ct);
        if (errors.Any)
        {
            return errors.ToResult<RegistrationQuestion>();
        }

        var orders = await db.RegistrationQuestions.Where(q => q.ChallengeId == challengeId).Select(q => q.Order).ToListAsync(ct);
        var question = new RegistrationQuestion
        {
            ChallengeId = challengeId,
            QuestionText = draft.QuestionText!.Trim(),
            HelpText = (draft.HelpText ?? "").Trim(),
            SchemaJson = SchemaOf(draft),
            Required = draft.Required,
            Order = orders.Count == 0 ? 0 : orders.Max() + 1,
        };
        db.RegistrationQuestions.Add(question);
        if (await SaveQuestionAsync(db, question, ct) is { } conflict)
        {
            return conflict;
        }

        notifier.Publish(ChallengeTopics.Registrations(challengeId));
        return Result<RegistrationQuestion>.Ok(question);
    }

    public async Task<Result<RegistrationQuestion>> UpdateQuestionAsync(Actor actor, Guid questionId, QuestionDraft draft, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var question = await db.RegistrationQuestions.SingleOrDefaultAsync(q => q.Id == questionId, ct);
        if (question is null)
        {
            return Result<RegistrationQuestion>.NotFound("No such question.");
        }

        var admin = await ChallengeService.RequireAdminAsync(access, actor, question.ChallengeId, ct);
        if (!admin.Succeeded)
        {
            return admin.As<RegistrationQuestion>();
        }

        var errors = await ValidateQuestionAsync(db, question.ChallengeId, questionId, draft, ct);
        if (errors.Any)
        {
            return errors.ToResult<RegistrationQuestion>();
        }

        question.QuestionText = draft.QuestionText!.Trim();
        question.HelpText = (draft.HelpText ?? "").Trim();
        question.SchemaJson = SchemaOf(draft);
        question.Required = draft.Required;
        if (await SaveQuestionAsync(db, question, ct) is { } conflict)
        {
            return conflict;
        }

        notifier.Publish(ChallengeTopics.Registrations(question.ChallengeId));
        return Result<RegistrationQuestion>.Ok(question);
    }

    public async Task<Result<bool>> DeleteQuestionAsync(Actor actor, Guid questionId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var question = await db.RegistrationQuestions.AsNoTracking().SingleOrDefaultAsync(q => q.Id == questionId, ct);
        if (question is null)
        {
            return Result<bool>.NotFound("No such question.");
        }

        var admin = await ChallengeService.RequireAdminAsync(access, actor, question.ChallengeId, ct);
        if (!admin.Succeeded)
        {
            return admin.As<bool>();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.RegistrationAnswers.Where(a => a.QuestionId == questionId).ExecuteDeleteAsync(ct);
        await db.RegistrationQuestions.Where(q => q.Id == questionId).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
        notifier.Publish(ChallengeTopics.Registrations(question.ChallengeId));
        return Result<bool>.Ok(true);
    }

    public async Task<Result<RegistrationView>> RegisterAsync(Actor actor, Guid challengeId, IReadOnlyList<AnswerDraft> answers, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return Result<RegistrationView>.Forbidden("Sign in to join a challenge.");
        }

        var context = await access.FindAsync(actor, challengeId, ct);
        if (context is null)
        {
            return Result<RegistrationView>.NotFound(ChallengeService.NotFoundMessage);
        }

        if (context.IsParticipant)
        {
            return Result<RegistrationView>.Fail("You already take part in this challenge.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var existing = await db.RegistrationRequests.AsNoTracking().FirstOrDefaultAsync(r => r.ChallengeId == challengeId && r.UserId == userId, ct);
        if (existing is not null)
        {
            return Result<RegistrationView>.Fail(AlreadyAsked(existing.Status));
        }

        var questions = await QuestionsAsync(challengeId, ct);
        var errors = new FieldErrors();
        var given = MatchAnswers(questions, answers, errors);
        var request = new RegistrationRequest { ChallengeId = challengeId, UserId = userId };
        foreach (var question in questions)
        {
            var answer = given.GetValueOrDefault(question.Id, "");
            if (CheckAnswer(question, answer) is { } error)
            {
                errors.Add(AnswerField(question.Id), error);
            }

            request.Answers.Add(new RegistrationAnswer { QuestionId = question.Id, AnswerJson = answer });
        }

        if (errors.Any)
        {
            return errors.ToResult<RegistrationView>();
        }

        var emailConfirmed = await db.Users.Where(u => u.Id == userId).Select(u => u.EmailConfirmed).SingleAsync(ct);
        var accepted = context.Challenge.RegistrationHandling switch
        {
            RegistrationHandling.AcceptAll => true,
            RegistrationHandling.AcceptVerifiedUsers => emailConfirmed,
            _ => false,
        };
        request.Status = accepted ? RequestStatus.Accepted : RequestStatus.Pending;
        db.RegistrationRequests.Add(request);
        if (accepted)
        {
            db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Challenge, ObjectId = challengeId, Role = ObjectRoles.Participant, UserId = userId });
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.RegistrationRequests.AsNoTracking().FirstOrDefaultAsync(r => r.ChallengeId == challengeId && r.UserId == userId, ct) is { } raced)
            {
                return Result<RegistrationView>.Fail(AlreadyAsked(raced.Status));
            }

            throw;
        }

        notifier.Publish(ChallengeTopics.Registrations(challengeId));
        var view = (await ViewsAsync(db, r => r.Id == request.Id, ct)).Single();
        var challenge = context.Challenge;
        if (accepted)
        {
            notifier.Publish(ChallengeTopics.Challenge(challengeId));
            await notifications.NotifyAsync([userId], $"You now take part in the challenge {challenge.Title}.", $"/challenges/{challenge.ShortName}", ct);
        }
        else
        {
            var admins = await permissions.UsersWithRoleAsync(ObjectKinds.Challenge, challengeId, ObjectRoles.Admin, ct);
            await notifications.NotifyAsync(admins, $"{view.Username} asked to join the challenge {challenge.Title}.",
                $"/challenges/{challenge.ShortName}/admin?tab=registrations", ct);
        }

        return Result<RegistrationView>.Ok(view);
    }

    public async Task<RegistrationView?> OwnRequestAsync(Actor actor, Guid challengeId, CancellationToken ct = default)
    {
        if (actor.UserId is not { } userId)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return (await ViewsAsync(db, r => r.ChallengeId == challengeId && r.UserId == userId, ct)).SingleOrDefault();
    }

    public async Task<Result<IReadOnlyList<RegistrationView>>> ListAsync(Actor actor, Guid challengeId, CancellationToken ct = default)
    {
        var context = await access.FindAsync(actor, challengeId, ct);
        if (context is null)
        {
            return Result<IReadOnlyList<RegistrationView>>.NotFound(ChallengeService.NotFoundMessage);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var userId = actor.UserId ?? Guid.Empty;
        var views = context.IsAdmin
            ? await ViewsAsync(db, r => r.ChallengeId == challengeId, ct)
            : await ViewsAsync(db, r => r.ChallengeId == challengeId && r.UserId == userId, ct);
        return Result<IReadOnlyList<RegistrationView>>.Ok(views);
    }

    public async Task<Result<RegistrationView>> DecideAsync(Actor actor, Guid requestId, RequestStatus status, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var request = await db.RegistrationRequests.SingleOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return Result<RegistrationView>.NotFound("No such registration request.");
        }

        var admin = await ChallengeService.RequireAdminAsync(access, actor, request.ChallengeId, ct);
        if (!admin.Succeeded)
        {
            // Only the requester learns that the request exists.
            return request.UserId == actor.UserId && admin.Kind == FailureKind.Forbidden
                ? admin.As<RegistrationView>()
                : Result<RegistrationView>.NotFound("No such registration request.");
        }

        if (status is not (RequestStatus.Accepted or RequestStatus.Rejected))
        {
            return Result<RegistrationView>.Invalid("status", "The status must be accepted or rejected.");
        }

        var challenge = admin.Value!.Challenge;
        if (request.Status != status)
        {
            request.Status = status;
            var roles = db.ObjectRoles.Where(r => r.ObjectKind == ObjectKinds.Challenge && r.ObjectId == request.ChallengeId
                                                  && r.Role == ObjectRoles.Participant && r.UserId == request.UserId);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (status == RequestStatus.Accepted)
            {
                if (!await roles.AnyAsync(ct))
                {
                    db.ObjectRoles.Add(new ObjectRole { ObjectKind = ObjectKinds.Challenge, ObjectId = request.ChallengeId, Role = ObjectRoles.Participant, UserId = request.UserId });
                }
            }
            else
            {
                await roles.ExecuteDeleteAsync(ct);
                await LeaveTeamsAsync(db, request.ChallengeId, request.UserId, ct);
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            notifier.Publish(ChallengeTopics.Teams(request.ChallengeId));
            notifier.Publish(ChallengeTopics.Registrations(request.ChallengeId));
            notifier.Publish(ChallengeTopics.Challenge(request.ChallengeId));
            var message = status == RequestStatus.Accepted
                ? $"Your registration for the challenge {challenge.Title} was accepted."
                : $"Your registration for the challenge {challenge.Title} was rejected.";
            await notifications.NotifyAsync([request.UserId], message, $"/challenges/{challenge.ShortName}/register", ct);
        }

        return Result<RegistrationView>.Ok((await ViewsAsync(db, r => r.Id == requestId, ct)).Single());
    }

    /// <summary>
    /// A rejected participant leaves the challenge's teams: their memberships and invitations go; a team they own passes
    /// to its longest-standing other member, or is deleted when they were alone in it.
    /// </summary>
    private static async Task LeaveTeamsAsync(AppDbContext db, Guid challengeId, Guid userId, CancellationToken ct)
    {
        var teams = db.Teams.Where(t => t.ChallengeId == challengeId);
        await db.TeamInvitations.Where(i => i.UserId == userId && teams.Any(t => t.Id == i.TeamId)).ExecuteDeleteAsync(ct);
        foreach (var team in await teams.Where(t => t.OwnerId == userId).ToListAsync(ct))
        {
            var heir = await db.TeamMembers.Where(m => m.TeamId == team.Id && m.UserId != userId)
                .OrderBy(m => m.Created).Select(m => (Guid?)m.UserId).FirstOrDefaultAsync(ct);
            if (heir is { } owner)
            {
                team.OwnerId = owner;
            }
            else
            {
                db.Teams.Remove(team);
            }
        }

        await db.TeamMembers.Where(m => m.ChallengeId == challengeId && m.UserId == userId).ExecuteDeleteAsync(ct);
    }

    private static string AlreadyAsked(RequestStatus status) => status switch
    {
        RequestStatus.Pending => "You already asked to join this challenge; your request is waiting for review.",
        RequestStatus.Accepted => "You already asked to join this challenge and were accepted.",
        _ => "You already asked to join this challenge and your request was rejected.",
    };

    private static Dictionary<Guid, string> MatchAnswers(IReadOnlyList<RegistrationQuestion> questions, IReadOnlyList<AnswerDraft> answers, FieldErrors errors)
    {
        var given = new Dictionary<Guid, string>();
        foreach (var answer in answers)
        {
            var key = (answer.Question ?? "").Trim();
            var question = Guid.TryParse(key, out var id)
                ? questions.FirstOrDefault(q => q.Id == id)
                : questions.FirstOrDefault(q => q.QuestionText == key) ?? questions.FirstOrDefault(q => string.Equals(q.QuestionText, key, StringComparison.OrdinalIgnoreCase));
            if (question is null)
            {
                errors.Add("answers", $"This challenge asks no question '{key}'.");
            }
            else if (!given.TryAdd(question.Id, (answer.AnswerJson ?? "").Trim()))
            {
                errors.Add(AnswerField(question.Id), $"'{question.QuestionText}' is answered twice.");
            }
        }

        return given;
    }

    /// <summary>Null when the answer (JSON text, empty for none) is acceptable for the question, else why not.</summary>
    public static string? CheckAnswer(RegistrationQuestion question, string answerJson)
    {
        if (answerJson.Length == 0)
        {
            return question.Required ? $"'{question.QuestionText}' needs an answer." : null;
        }

        if (answerJson.Length > MaxAnswerLength)
        {
            return $"The answer to '{question.QuestionText}' may have at most {MaxAnswerLength} characters.";
        }

        try
        {
            using var document = JsonDocument.Parse(answerJson);
            if (question.Required && document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return $"'{question.QuestionText}' needs an answer.";
            }

            return ValueSchemas.Validate(SocketKinds.AnyJson, question.SchemaJson, document.RootElement) is { } error
                ? $"The answer to '{question.QuestionText}' is not valid: {error}"
                : null;
        }
        catch (JsonException)
        {
            return $"The answer to '{question.QuestionText}' is not valid JSON.";
        }
    }

    private static string SchemaOf(QuestionDraft draft)
    {
        var text = (draft.SchemaJson ?? "").Trim();
        if (text.Length == 0)
        {
            return DefaultSchema;
        }

        using var document = JsonDocument.Parse(text);
        return JsonSerializer.Serialize(document.RootElement);
    }

    private static async Task<FieldErrors> ValidateQuestionAsync(AppDbContext db, Guid challengeId, Guid? questionId, QuestionDraft draft, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var text = (draft.QuestionText ?? "").Trim();
        if (text.Length == 0)
        {
            errors.Add("question_text", "The question needs a text.");
        }
        else if (text.Length > MaxQuestionLength)
        {
            errors.Add("question_text", $"The question may have at most {MaxQuestionLength} characters.");
        }
        else if (await db.RegistrationQuestions.AnyAsync(q => q.ChallengeId == challengeId && q.QuestionText == text && q.Id != questionId, ct))
        {
            errors.Add("question_text", $"This challenge already asks '{text}'.");
        }

        if ((draft.HelpText ?? "").Trim().Length > MaxHelpTextLength)
        {
            errors.Add("help_text", $"The help text may have at most {MaxHelpTextLength} characters.");
        }

        var schema = (draft.SchemaJson ?? "").Trim();
        if (schema.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(schema);
                if (ValueSchemas.CheckSocketSchema(document.RootElement) is { } error)
                {
                    errors.Add("schema", error);
                }
            }
            catch (JsonException e)
            {
                errors.Add("schema", $"The schema is not valid JSON: {e.Message}");
            }
        }

        return errors;
    }

    private static async Task<Result<RegistrationQuestion>?> SaveQuestionAsync(AppDbContext db, RegistrationQuestion question, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateException)
        {
            return Result<RegistrationQuestion>.Invalid("question_text", $"This challenge already asks '{question.QuestionText}'.");
        }
    }

    private async Task<List<RegistrationView>> ViewsAsync(AppDbContext db, System.Linq.Expressions.Expression<Func<RegistrationRequest, bool>> filter, CancellationToken ct)
    {
        var requests = await db.RegistrationRequests.AsNoTracking().Include(r => r.Answers).Where(filter).ToListAsync(ct);
        if (requests.Count == 0)
        {
            return [];
        }

        var userIds = requests.Select(r => r.UserId).Distinct().ToList();
        var challengeIds = requests.Select(r => r.ChallengeId).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .Select(u => new { u.Id, u.UserName, u.EmailConfirmed }).ToDictionaryAsync(u => u.Id, ct);
        var names = await db.Challenges.AsNoTracking().Where(c => challengeIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.ShortName, ct);
        var questions = await db.RegistrationQuestions.AsNoTracking().Where(q => challengeIds.Contains(q.ChallengeId)).ToListAsync(ct);
        var byId = questions.ToDictionary(q => q.Id);
        return requests
            .OrderByDescending(r => r.Created)
            .Select(r => new RegistrationView(
                r.Id,
                r.ChallengeId,
                names[r.ChallengeId],
                r.UserId,
                users[r.UserId].UserName!,
                users[r.UserId].EmailConfirmed,
                r.Status,
                r.Answers.Where(a => byId.ContainsKey(a.QuestionId))
                    .OrderBy(a => byId[a.QuestionId].Order).ThenBy(a => byId[a.QuestionId].Created)
                    .Select(a => new AnswerView(a.QuestionId, byId[a.QuestionId].QuestionText, a.AnswerJson))
                    .ToList(),
                r.Created,
                r.Modified))
            .ToList();
    }
}

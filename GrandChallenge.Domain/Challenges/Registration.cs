using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Challenges;

/// <summary>A user's request to take part in a challenge; one per (challenge, user).</summary>
public class RegistrationRequest : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ChallengeId { get; set; }
    public Guid UserId { get; set; }
    public RequestStatus Status { get; set; } = RequestStatus.Pending;
    public List<RegistrationAnswer> Answers { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>A question asked when users register; answers are JSON validated against <see cref="SchemaJson"/>.</summary>
public class RegistrationQuestion : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ChallengeId { get; set; }
    public required string QuestionText { get; set; }
    public string HelpText { get; set; } = "";
    public string SchemaJson { get; set; } = """{"type":"string"}""";
    public bool Required { get; set; } = true;
    public int Order { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

public class RegistrationAnswer
{
    public Guid RequestId { get; set; }
    public Guid QuestionId { get; set; }
    /// <summary>The answer as JSON text; an empty string means not answered.</summary>
    public string AnswerJson { get; set; } = "";
}

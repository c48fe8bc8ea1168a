namespace GrandChallenge.Domain.Notifications;

/// <summary>A message for one user, shown in the UI until read (registration decisions, evaluation results, …).</summary>
public class Notification
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid UserId { get; set; }
    public required string Message { get; set; }
    /// <summary>Local link to what the message is about.</summary>
    public string? Link { get; set; }
    public bool Read { get; set; }
    public DateTimeOffset Created { get; set; }
}

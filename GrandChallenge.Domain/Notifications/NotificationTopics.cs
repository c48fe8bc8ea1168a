namespace GrandChallenge.Domain.Notifications;

public static class NotificationTopics
{
    /// <summary>Published (with the user id) whenever a notification for the user is added or read.</summary>
    public static string User(Guid userId) => $"notifications/{userId}";
}

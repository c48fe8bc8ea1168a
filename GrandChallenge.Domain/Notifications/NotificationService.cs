using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace GrandChallenge.Domain.Notifications;

public interface INotificationService
{
    /// <summary>Leaves the same message for each user and tells their open pages at once.</summary>
    Task NotifyAsync(IEnumerable<Guid> userIds, string message, string? link = null, CancellationToken ct = default);

    Task<IReadOnlyList<Notification>> ListAsync(Guid userId, int limit = 100, CancellationToken ct = default);

    Task<int> UnreadCountAsync(Guid userId, CancellationToken ct = default);

    /// <summary>Marks one of the user's notifications read; false when it is not theirs.</summary>
    Task<bool> MarkReadAsync(Guid userId, Guid notificationId, CancellationToken ct = default);

    Task MarkAllReadAsync(Guid userId, CancellationToken ct = default);
}

/// <summary>Notifications in the UI; every change is published on the user's topic so the bell and the list update live.</summary>
public sealed class NotificationService(IDbContextFactory<AppDbContext> dbFactory, IChangeNotifier notifier, TimeProvider clock) : INotificationService
{
    public const int MaxMessageLength = 500;

    public static string TopicFor(Guid userId) => NotificationTopics.User(userId);

    public async Task NotifyAsync(IEnumerable<Guid> userIds, string message, string? link = null, CancellationToken ct = default)
    {
        var recipients = userIds.Distinct().ToList();
        if (recipients.Count == 0)
        {
            return;
        }

        var text = message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 1)] + "…";
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow();
        db.Notifications.AddRange(recipients.Select(id => new Notification { UserId = id, Message = text, Link = link, Created = now }));
        await db.SaveChangesAsync(ct);
        foreach (var id in recipients)
        {
            notifier.Publish(TopicFor(id));
        }
    }

    public async Task<IReadOnlyList<Notification>> ListAsync(Guid userId, int limit = 100, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Notifications.AsNoTracking()
            .Where(n => n.UserId == userId)
            .OrderByDescending(n => n.Created).ThenByDescending(n => n.Id)
            .Take(Math.Clamp(limit, 1, 1000))
            .ToListAsync(ct);
    }

    public async Task<int> UnreadCountAsync(Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Notifications.CountAsync(n => n.UserId == userId && !n.Read, ct);
    }

    public async Task<bool> MarkReadAsync(Guid userId, Guid notificationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var changed = await db.Notifications
            .Where(n => n.Id == notificationId && n.UserId == userId)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.Read, true), ct);
        if (changed > 0)
        {
            notifier.Publish(TopicFor(userId));
        }

        return changed > 0;
    }

    public async Task MarkAllReadAsync(Guid userId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await db.Notifications.Where(n => n.UserId == userId && !n.Read).ExecuteUpdateAsync(s => s.SetProperty(n => n.Read, true), ct);
        notifier.Publish(TopicFor(userId));
    }
}

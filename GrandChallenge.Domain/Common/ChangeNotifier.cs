using System.Collections.Concurrent;

namespace GrandChallenge.Domain.Common;

/// <summary>
/// Live updates inside one process: workers publish that something changed (a job's status, an import's
/// progress) under a topic such as <c>component-job/&lt;id&gt;</c>; open pages subscribe and re-render. When
/// workers run in another process, a SignalR bridge republishes their messages here.
/// </summary>
public interface IChangeNotifier
{
    void Publish(string topic, object? payload = null);

    /// <summary>Calls <paramref name="handler"/> for every message on <paramref name="topic"/> until disposed.</summary>
    IDisposable Subscribe(string topic, Func<object?, Task> handler);
}

public sealed class ChangeNotifier : IChangeNotifier
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Func<object?, Task>>> _subscribers = new();

    public void Publish(string topic, object? payload = null)
    {
        if (!_subscribers.TryGetValue(topic, out var handlers))
        {
            return;
        }

        foreach (var handler in handlers.Values)
        {
            // Fire and forget: a slow or failing page must never hold up a worker.
            _ = Task.Run(async () =>
            {
                try
                {
                    await handler(payload);
                }
                catch (Exception)
                {
                    // The subscriber's own problem (e.g. a closed circuit); it unsubscribes when disposed.
                }
            });
        }
    }

    public IDisposable Subscribe(string topic, Func<object?, Task> handler)
    {
        var id = Guid.NewGuid();
        _subscribers.GetOrAdd(topic, _ => new ConcurrentDictionary<Guid, Func<object?, Task>>())[id] = handler;
        return new Subscription(() =>
        {
            if (_subscribers.TryGetValue(topic, out var handlers))
            {
                handlers.TryRemove(id, out _);
            }
        });
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }
}

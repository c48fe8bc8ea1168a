using System.Collections.Concurrent;
using System.Threading.Channels;

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
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Subscription>> _subscribers = new();

    public void Publish(string topic, object? payload = null)
    {
        if (_subscribers.TryGetValue(topic, out var subscriptions))
        {
            foreach (var subscription in subscriptions.Values)
            {
                subscription.Post(payload);
            }
        }
    }

    public IDisposable Subscribe(string topic, Func<object?, Task> handler)
    {
        var id = Guid.NewGuid();
        var subscription = new Subscription(handler, () =>
        {
            if (_subscribers.TryGetValue(topic, out var subscriptions))
            {
                subscriptions.TryRemove(id, out _);
            }
        });
        _subscribers.GetOrAdd(topic, _ => new ConcurrentDictionary<Guid, Subscription>())[id] = subscription;
        return subscription;
    }

    /// <summary>
    /// Delivers a subscriber's messages one at a time, in the order they were published, off the publisher's
    /// thread: a slow or failing page never holds up a worker.
    /// </summary>
    private sealed class Subscription : IDisposable
    {
        private readonly Channel<object?> _queue = Channel.CreateUnbounded<object?>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Action _unsubscribe;
        private int _disposed;

        public Subscription(Func<object?, Task> handler, Action unsubscribe)
        {
            _unsubscribe = unsubscribe;
            _ = Task.Run(async () =>
            {
                await foreach (var payload in _queue.Reader.ReadAllAsync())
                {
                    try
                    {
                        await handler(payload);
                    }
                    catch (Exception)
                    {
                        // The subscriber's own problem (e.g. a closed circuit); it unsubscribes when disposed.
                    }
                }
            });
        }

        public void Post(object? payload) => _queue.Writer.TryWrite(payload);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _unsubscribe();
                _queue.Writer.TryComplete();
            }
        }
    }
}

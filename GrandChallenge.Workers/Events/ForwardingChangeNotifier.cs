using System.Threading.Channels;
using GrandChallenge.Domain.Common;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Events;

/// <summary>
/// In a separate Workers process: publishes locally as usual and also queues each message for the web host,
/// whose pages are the ones listening. Live updates are best effort: pages read the state itself from the database.
/// </summary>
public sealed class ForwardingChangeNotifier(ChangeNotifier local) : IChangeNotifier
{
    private readonly Channel<(string Topic, object? Payload)> _outbox =
        Channel.CreateBounded<(string, object?)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public ChannelReader<(string Topic, object? Payload)> Outbox => _outbox.Reader;

    public void Publish(string topic, object? payload = null)
    {
        local.Publish(topic, payload);
        _outbox.Writer.TryWrite((topic, payload));
    }

    public IDisposable Subscribe(string topic, Func<object?, Task> handler) => local.Subscribe(topic, handler);
}

/// <summary>Sends the queued messages to the web host's <c>/hubs/worker-events</c>, reconnecting when it restarts.</summary>
public sealed class WorkerEventsForwarder(ForwardingChangeNotifier notifier, IOptions<WorkersOptions> options, ILogger<WorkerEventsForwarder> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(settings.WebUrl!), WorkerEvents.HubPath), o => o.Headers[WorkerEvents.KeyHeader] = settings.EventsKey ?? "")
            .WithAutomaticReconnect(new ForeverRetry())
            .Build();

        while (!stoppingToken.IsCancellationRequested && connection.State == HubConnectionState.Disconnected)
        {
            try
            {
                await connection.StartAsync(stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
            {
                logger.LogWarning("Cannot reach the web host at {Url} for live updates: {Message}", settings.WebUrl, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }

        await foreach (var (topic, payload) in notifier.Outbox.ReadAllAsync(stoppingToken))
        {
            if (connection.State != HubConnectionState.Connected)
            {
                continue;
            }

            var (type, json) = WorkerEvents.Encode(payload);
            try
            {
                await connection.SendAsync("Publish", topic, type, json, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException)
            {
                logger.LogDebug(e, "A live update was lost");
            }
        }
    }

    private sealed class ForeverRetry : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) => TimeSpan.FromSeconds(Math.Min(10, 1 + retryContext.PreviousRetryCount));
    }
}

using System.Security.Cryptography;
using System.Text;
using GrandChallenge.Domain.Common;
using GrandChallenge.Workers;
using GrandChallenge.Workers.Events;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Web.Features.Workers;

/// <summary>
/// Where separate Workers processes send their live updates; they are republished on this host's
/// <see cref="IChangeNotifier"/>, so pages update as they do with in-process workers. Only callers holding
/// <c>Workers:EventsKey</c> are kept connected.
/// </summary>
public sealed class WorkerEventsHub(IChangeNotifier notifier, IOptions<WorkersOptions> options) : Hub
{
    public override Task OnConnectedAsync()
    {
        var expected = options.Value.EventsKey ?? "";
        var given = Context.GetHttpContext()?.Request.Headers[WorkerEvents.KeyHeader].ToString() ?? "";
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given)))
        {
            Context.Abort();
        }

        return Task.CompletedTask;
    }

    public void Publish(string topic, string? type, string? json) => notifier.Publish(topic, WorkerEvents.Decode(type, json));

    public static IEndpointRouteBuilder MapWorkerEvents(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHub<WorkerEventsHub>(WorkerEvents.HubPath).AllowAnonymous();
        return endpoints;
    }
}

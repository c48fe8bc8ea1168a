using System.Text.Json;
using GrandChallenge.Workers.Components;
using GrandChallenge.Workers.Containers;

namespace GrandChallenge.Workers.Events;

/// <summary>
/// The live updates a separate Workers process sends to the web host. Only these payload types cross the wire,
/// so a connection can never make the web host build an arbitrary type.
/// </summary>
public static class WorkerEvents
{
    public const string HubPath = "/hubs/worker-events";
    public const string KeyHeader = "X-Worker-Key";

    private static readonly Dictionary<string, Type> Types = new()
    {
        [nameof(Guid)] = typeof(Guid),
        [nameof(ComponentJobUpdate)] = typeof(ComponentJobUpdate),
        [nameof(LogLine)] = typeof(LogLine),
    };

    public static (string? Type, string? Json) Encode(object? payload) =>
        payload is null || !Types.ContainsKey(payload.GetType().Name)
            ? (null, null)
            : (payload.GetType().Name, JsonSerializer.Serialize(payload, payload.GetType()));

    public static object? Decode(string? type, string? json) =>
        type is not null && json is not null && Types.TryGetValue(type, out var target) ? JsonSerializer.Deserialize(json, target) : null;
}

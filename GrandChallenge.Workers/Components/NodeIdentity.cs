namespace GrandChallenge.Workers.Components;

/// <summary>This worker node's name: <c>Workers:NodeId</c>, else machine name and process id.</summary>
public sealed class NodeIdentity(string name)
{
    public string Name { get; } = name;
}

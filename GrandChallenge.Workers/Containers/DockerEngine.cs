using Docker.DotNet;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Workers.Containers;

public sealed record DockerEngineVersion(string Version, string ApiVersion, IReadOnlyList<string> Runtimes);

/// <summary>The one Docker client of a process.</summary>
public interface IDockerEngine
{
    string Endpoint { get; }
    DockerClient Client { get; }
    /// <summary>Version and runtimes, or null when no engine answers.</summary>
    Task<DockerEngineVersion?> TryGetVersionAsync(CancellationToken ct = default);
}

public sealed class DockerEngine : IDockerEngine, IDisposable
{
    private readonly ILogger<DockerEngine> _logger;

    public DockerEngine(IOptions<DockerOptions> options, ILogger<DockerEngine> logger)
    {
        _logger = logger;
        Endpoint = options.Value.Endpoint;
        Client = new DockerClientConfiguration(new Uri(Endpoint), defaultTimeout: TimeSpan.FromSeconds(options.Value.TimeoutSeconds)).CreateClient();
    }

    public string Endpoint { get; }

    public DockerClient Client { get; }

    public async Task<DockerEngineVersion?> TryGetVersionAsync(CancellationToken ct = default)
    {
        try
        {
            var version = await Client.System.GetVersionAsync(ct);
            var info = await Client.System.GetSystemInfoAsync(ct);
            return new DockerEngineVersion(version.Version, version.APIVersion, info.Runtimes?.Keys.Order().ToList() ?? []);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or TimeoutException or TaskCanceledException
                                      or System.Net.Sockets.SocketException)
        {
            _logger.LogDebug(e, "Docker engine at {Endpoint} did not answer", Endpoint);
            return null;
        }
    }

    public void Dispose() => Client.Dispose();
}

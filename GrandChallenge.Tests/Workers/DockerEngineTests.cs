using System.Net.Http.Json;
using System.Text.Json;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers;

/// <summary>The platform reaches the real Docker engine, with the gVisor runtime registered.</summary>
[Trait("Category", "Docker")]
public sealed class DockerEngineTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    [Fact]
    public async Task The_engine_answers_with_runc_and_runsc()
    {
        var version = await fixture.App.Services.GetRequiredService<IDockerEngine>().TryGetVersionAsync();

        version.Should().NotBeNull("a Docker engine must answer at unix:///var/run/docker.sock: run docker/engine.sh");
        version!.ApiVersion.Should().NotBeNullOrEmpty();
        version.Runtimes.Should().Contain(["runc", "runsc"]);
    }

    [Fact]
    public async Task Readiness_reports_the_docker_engine_healthy()
    {
        var ready = await fixture.App.CreateClient().GetFromJsonAsync<JsonElement>("/health/ready");

        ready.GetProperty("status").GetString().Should().Be("Healthy");
        ready.GetProperty("checks").GetProperty("docker").GetProperty("description").GetString().Should().Contain("runsc");
    }
}

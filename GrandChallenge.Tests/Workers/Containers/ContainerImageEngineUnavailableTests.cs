using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers.Containers;

/// <summary>A host whose container engine never answers, with one quick retry.</summary>
public sealed class NoEngineAppFixture() : AppFixture(DatabaseProvider.Sqlite, settings: new Dictionary<string, string>
{
    ["Docker:Endpoint"] = $"unix:///tmp/gc-no-engine-{Guid.NewGuid():N}.sock",
    ["Docker:TimeoutSeconds"] = "2",
    ["ContainerImages:MaxEngineAttempts"] = "1",
    ["ContainerImages:EngineRetryDelaySeconds"] = "1",
});

/// <summary>An unreachable engine is the platform's fault, not the upload's: the import waits and retries before it gives up.</summary>
[Trait("Category", "Integration")]
public sealed class ContainerImageEngineUnavailableTests(NoEngineAppFixture fixture) : IClassFixture<NoEngineAppFixture>
{
    [Fact]
    public async Task A_valid_image_waits_for_the_engine_then_fails_only_after_the_retries_with_a_clear_message()
    {
        var app = fixture.App;
        var user = await app.CreateUserAsync($"noengine{Guid.NewGuid():N}"[..16], siteAdmin: true);
        var images = app.Services.GetRequiredService<IContainerImageService>();
        var archive = new MemoryStream(DockerArchives.Gzip(DockerArchives.Legacy(new DockerArchives.Image())));

        var created = (await images.CreateAsync(ContainerImageKind.Algorithm, Guid.NewGuid(), new Actor(user.Id, true), archive, "valid.tar.gz", null)).Value!;

        var seen = new List<(ContainerImageImportStatus, string, int)>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        ContainerImageInfo current;
        do
        {
            await Task.Delay(50);
            current = (await images.GetAsync(created.Id))!;
            var attempts = app.Db(db => db.ContainerImages.Single(i => i.Id == created.Id).ImportAttempts);
            if (seen.Count == 0 || seen[^1] != (current.ImportStatus, current.StatusMessage, attempts))
            {
                seen.Add((current.ImportStatus, current.StatusMessage, attempts));
            }
        }
        while (current.ImportStatus != ContainerImageImportStatus.Failed && DateTime.UtcNow < deadline);

        seen.Should().Contain((ContainerImageImportStatus.ReQueued, ContainerImageImporter.WaitingForEngine, 1),
            "the first unanswered attempt re-queues the import instead of failing it");
        current.ImportStatus.Should().Be(ContainerImageImportStatus.Failed);
        current.StatusMessage.Should().Be("The container engine did not answer after 1 attempt. Ask a site admin to check it, then upload the image again.");
        current.IsManifestValid.Should().BeTrue("the archive itself was fine");
        current.ImageSha256.Should().StartWith("sha256:");
        current.IsLoaded.Should().BeFalse();
    }
}

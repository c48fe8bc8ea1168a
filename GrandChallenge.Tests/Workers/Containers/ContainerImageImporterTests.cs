using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Workers.Containers;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Workers.Containers;

/// <summary>The importer's compare-and-set claims, without an engine (the archives fail validation first).</summary>
[Trait("Category", "Integration")]
public sealed class ContainerImageImporterTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>
{
    private GrandChallengeAppFactory App => fixture.App;
    private ContainerImageImporter Importer => App.Services.GetRequiredService<ContainerImageImporter>();

    [Fact]
    public async Task A_started_import_is_only_taken_again_by_the_recovery_run_after_a_crash()
    {
        var id = await SeedAsync(ContainerImageImportStatus.Started);

        var ordinary = await Importer.ImportAsync(id, recovering: false, CancellationToken.None);
        Status(id).Should().Be(ContainerImageImportStatus.Started, "a second worker must not run an import that is already running");
        var recovered = await Importer.ImportAsync(id, recovering: true, CancellationToken.None);

        ordinary.Status.Should().BeNull();
        recovered.Status.Should().Be(ContainerImageImportStatus.Failed);
        App.Db(db => db.ContainerImages.Single(i => i.Id == id).StatusMessage).Should().Be(DockerArchive.CouldNotDecompress);
    }

    [Theory]
    [InlineData(ContainerImageImportStatus.Completed)]
    [InlineData(ContainerImageImportStatus.Failed)]
    [InlineData(ContainerImageImportStatus.Cancelled)]
    public async Task Finished_or_cancelled_imports_are_never_run_again(ContainerImageImportStatus status)
    {
        var id = await SeedAsync(status);

        (await Importer.ImportAsync(id, recovering: true, CancellationToken.None)).Status.Should().BeNull();
        Status(id).Should().Be(status);
    }

    [Fact]
    public async Task An_import_interrupted_by_shutdown_goes_back_to_the_queue()
    {
        var id = await SeedAsync(ContainerImageImportStatus.Started);

        var result = await Importer.RequeueAsync(id, "The import was interrupted; it will start again.");

        result.Status.Should().Be(ContainerImageImportStatus.ReQueued);
        result.RetryAfter.Should().NotBeNull();
        Status(id).Should().Be(ContainerImageImportStatus.ReQueued);
    }

    [Fact]
    public async Task A_missing_archive_fails_with_a_message_that_says_so()
    {
        var id = await SeedAsync(ContainerImageImportStatus.Queued, writeBlob: false);

        await Importer.ImportAsync(id, recovering: false, CancellationToken.None);

        App.Db(db => db.ContainerImages.Single(i => i.Id == id).StatusMessage).Should().Be("The container image file is missing from storage. Upload it again.");
    }

    private ContainerImageImportStatus Status(Guid id) => App.Db(db => db.ContainerImages.Single(i => i.Id == id).ImportStatus);

    private async Task<Guid> SeedAsync(ContainerImageImportStatus status, bool writeBlob = true)
    {
        var image = new ContainerImage { BlobKey = "", Filename = "junk.tar", Kind = ContainerImageKind.Algorithm, ImportStatus = status };
        image.BlobKey = $"container-images/{image.Id}/junk.tar";
        if (writeBlob)
        {
            await App.Services.GetRequiredService<IBlobStore>().WriteAsync(image.BlobKey, new MemoryStream(new byte[4096]));
        }

        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }
}

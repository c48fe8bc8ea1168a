using GrandChallenge.Domain.Containers;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Containers;

/// <summary>The single-statement updates behind activation and removal, on each real database.</summary>
public abstract class ContainerImageDatabaseTests(AppFixture fixture)
{
    private GrandChallengeAppFactory App => fixture.App;

    [Fact]
    public async Task Concurrent_activations_leave_exactly_one_active_version_and_removal_cancels_a_queued_import()
    {
        var images = App.Services.GetRequiredService<IContainerImageService>();
        var admin = new Actor((await App.CreateUserAsync($"db{Guid.NewGuid():N}"[..16], siteAdmin: true)).Id, true);
        var owner = Guid.NewGuid();
        var versions = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            versions.Add(await SeedAsync(owner, ContainerImageImportStatus.Completed));
        }

        var queued = await SeedAsync(owner, ContainerImageImportStatus.Queued);
        var noOwner = await SeedAsync(null, ContainerImageImportStatus.Completed, desired: true);

        var results = await Task.WhenAll(versions.Select(id => Task.Run(() => images.ActivateAsync(id, admin))));
        var removed = await images.RemoveAsync(queued, admin);

        results.Should().Contain(r => r.Succeeded);
        App.Db(db => db.ContainerImages.Count(i => i.OwnerId == owner && i.IsDesiredVersion)).Should().Be(1);
        App.Db(db => db.ContainerImages.Single(i => i.Id == noOwner).IsDesiredVersion).Should().BeTrue("images without an owner form their own group");
        removed.Value!.ImportStatus.Should().Be(ContainerImageImportStatus.Cancelled);
        removed.Value.IsRemoved.Should().BeTrue();
    }

    private async Task<Guid> SeedAsync(Guid? owner, ContainerImageImportStatus status, bool desired = false)
    {
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var image = new ContainerImage
        {
            Kind = ContainerImageKind.Algorithm,
            OwnerId = owner,
            BlobKey = "container-images/db/a.tar",
            Filename = "a.tar",
            ImportStatus = status,
            IsManifestValid = status == ContainerImageImportStatus.Completed,
            IsLoaded = status == ContainerImageImportStatus.Completed,
            IsDesiredVersion = desired,
        };
        db.ContainerImages.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteContainerImageDatabaseTests(SqliteAppFixture fixture) : ContainerImageDatabaseTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresContainerImageDatabaseTests(PostgresAppFixture fixture) : ContainerImageDatabaseTests(fixture), IClassFixture<PostgresAppFixture>;

using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Domain.Imaging;
using GrandChallenge.Tests.Domain.Imaging.Import;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Cases;

/// <summary>Cancelling, the per-user limit and a whole import with its checked writes, on each real database.</summary>
public abstract class UploadSessionDatabaseTests(AppFixture fixture)
{
    private GrandChallengeAppFactory App => fixture.App;

    private IUploadSessionService Sessions => App.Services.GetRequiredService<IUploadSessionService>();

    private async Task<Guid> SeedAsync(Guid creator, UploadSessionStatus status, bool withImage = false)
    {
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var session = new UploadSession { CreatorId = creator, Status = status };
        db.UploadSessions.Add(session);
        if (withImage)
        {
            db.Images.Add(new Image { Name = "seeded.mha", OriginId = session.Id, Width = 1, Height = 1 });
        }

        await db.SaveChangesAsync();
        return session.Id;
    }

    [Fact]
    public async Task Cancelling_changes_only_active_sessions_without_images_and_ended_ones_free_a_place()
    {
        var user = new Actor((await App.CreateUserAsync($"usd{Guid.NewGuid():N}"[..16])).Id, false);
        var queued = await SeedAsync(user.UserId!.Value, UploadSessionStatus.Queued);
        var started = await SeedAsync(user.UserId.Value, UploadSessionStatus.Started);
        var stored = await SeedAsync(user.UserId.Value, UploadSessionStatus.Started, withImage: true);
        var failed = await SeedAsync(user.UserId.Value, UploadSessionStatus.Failed);

        (await Sessions.CancelAsync(user, queued)).Value!.Session.Status.Should().Be(UploadSessionStatus.Cancelled);
        (await Sessions.CancelAsync(user, started)).Value!.Session.Status.Should().Be(UploadSessionStatus.Cancelled);
        (await Sessions.CancelAsync(user, stored)).FieldErrors!["status"].Single().Should().Contain("already stored");
        (await Sessions.CancelAsync(user, failed)).FieldErrors!["status"].Single().Should().Contain("already ended (Failed)");
        App.Db(db => db.UploadSessions.Where(s => s.CreatorId == user.UserId).Select(s => s.Status).ToList())
            .Should().BeEquivalentTo([UploadSessionStatus.Cancelled, UploadSessionStatus.Cancelled, UploadSessionStatus.Started, UploadSessionStatus.Failed]);
    }

    [Fact]
    public async Task A_whole_import_runs_on_this_database_and_the_limit_counts_only_active_sessions()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var user = new Actor((await App.CreateUserAsync($"usi{Guid.NewGuid():N}"[..16])).Id, false);
        var archive = (await App.Services.GetRequiredService<IArchiveService>().CreateAsync(user, new NewArchive($"Db import {Guid.NewGuid():N}"))).Value!;
        for (var i = 0; i < 3; i++)
        {
            await SeedAsync(user.UserId!.Value, UploadSessionStatus.Queued);
        }

        await SeedAsync(user.UserId!.Value, UploadSessionStatus.Succeeded);
        var directory = TestImages.TempDir();
        var mha = ImportTestFiles.WriteMha(directory);

        var created = await Sessions.CreateAsync(user, new UploadSessionTarget(Archive: archive.Slug), [], Files(mha));
        var refused = await Sessions.CreateAsync(user, new UploadSessionTarget(Archive: archive.Slug), [], Files(mha));

        created.Succeeded.Should().BeTrue(created.Error);
        refused.FieldErrors!["non_field_errors"].Single().Should().Contain("You already have 4");
        var id = created.Value!.Session.Id;
        UploadSessionView? view = null;
        for (var i = 0; i < 600 && view?.Session.IsFinished != true; i++)
        {
            await Task.Delay(50);
            view = (await Sessions.GetAsync(user, id)).Value;
        }

        view!.Session.Status.Should().Be(UploadSessionStatus.Succeeded, view.Session.ErrorMessage);
        view.ImageIds.Should().ContainSingle();
        (await Sessions.CancelAsync(user, id)).Succeeded.Should().BeFalse("a finished session is not cancelled");
        var blobs = App.Services.GetRequiredService<IBlobStore>();
        var key = view.Session.Files.Single().BlobKey;
        for (var i = 0; i < 100 && blobs.Exists(key); i++)
        {
            await Task.Delay(50);
        }

        blobs.Exists(key).Should().BeFalse();
        Directory.Delete(directory, recursive: true);
    }

    private static async IAsyncEnumerable<UploadedFile> Files(string path)
    {
        await using var stream = File.OpenRead(path);
        yield return new UploadedFile(Path.GetFileName(path), stream);
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteUploadSessionDatabaseTests(SqliteAppFixture fixture) : UploadSessionDatabaseTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresUploadSessionDatabaseTests(PostgresAppFixture fixture) : UploadSessionDatabaseTests(fixture), IClassFixture<PostgresAppFixture>;

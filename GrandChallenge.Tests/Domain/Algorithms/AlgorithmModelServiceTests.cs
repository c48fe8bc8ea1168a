using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using GrandChallenge.Domain.Algorithms;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Algorithms;

/// <summary>Model tarballs: checked like ground truth, stored re-packed, one active version per algorithm, editors only.</summary>
[Trait("Category", "Integration")]
public sealed class AlgorithmModelServiceTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private GrandChallengeAppFactory App => fixture.App;

    private T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    private IAlgorithmModelService Models => Service<IAlgorithmModelService>();

    public Task InitializeAsync() => DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Actor> UserAsync(string prefix) => new((await App.CreateUserAsync($"{prefix}{Guid.NewGuid():N}"[..(prefix.Length + 9)])).Id, false);

    private async Task<(Algorithm Algorithm, Actor Editor)> AlgorithmAsync()
    {
        var editor = await UserAsync("editor");
        var created = await Service<IAlgorithmService>().CreateAsync(editor, new NewAlgorithm($"Model algorithm {Guid.NewGuid():N}",
            [new([DefaultSockets.GenericMedicalImage], [DefaultSockets.GenericOverlay])]));
        return (created.Value ?? throw new InvalidOperationException(created.Error), editor);
    }

    /// <summary>A .tar.gz holding the given entries: a name with content is a file, a name ending in '/' a folder, "name->target" a symbolic link.</summary>
    public static MemoryStream TarGz(params (string Name, string Content)[] entries)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                if (name.EndsWith('/'))
                {
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name));
                    continue;
                }

                if (name.Contains("->"))
                {
                    var parts = name.Split("->");
                    tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, parts[0]) { LinkName = parts[1] });
                    continue;
                }

                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                tar.WriteEntry(entry);
            }
        }

        buffer.Position = 0;
        return buffer;
    }

    private int ModelCount(Guid algorithmId) => App.Db(db => db.AlgorithmModels.Count(m => m.AlgorithmId == algorithmId));

    [Fact]
    public async Task A_model_is_stored_repacked_under_its_id_with_its_sha256_and_becomes_active()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        using var tarball = TarGz(("weights/model.bin", "0123456789"), ("config.json", "{}"));
        var expectedSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tarball.ToArray()));

        var result = await Models.UploadAsync(editor, algorithm.Id, tarball, "my-model.tar.gz", "first weights");

        result.Succeeded.Should().BeTrue(result.Error);
        var model = result.Value!;
        model.BlobKey.Should().Be($"algorithm-models/{model.Id}/model.tar.gz");
        model.Sha256.Should().Be(expectedSha);
        (model.Filename, model.Comment, model.IsDesiredVersion).Should().Be(("my-model.tar.gz", "first weights", true));

        await using var stored = Service<IBlobStore>().OpenRead(model.BlobKey);
        await using var gzip = new GZipStream(stored, CompressionMode.Decompress);
        await using var reader = new TarReader(gzip);
        var names = new List<string>();
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                names.Add(entry.Name.TrimStart('.', '/'));
            }
        }

        names.Should().BeEquivalentTo("weights/model.bin", "config.json");
        await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
        (await AlgorithmQueries.ActiveModelAsync(db, algorithm.Id))!.Id.Should().Be(model.Id);
    }

    [Theory]
    [InlineData("model.zip")]
    [InlineData("model.tgz")]
    [InlineData("model.tar")]
    [InlineData(".tar.gz")]
    public async Task Other_extensions_are_refused(string filename)
    {
        var (algorithm, editor) = await AlgorithmAsync();
        using var tarball = TarGz(("a.bin", "x"));
        var result = await Models.UploadAsync(editor, algorithm.Id, tarball, filename, null);
        result.FieldErrors!["file"].Single().Should().Be(AlgorithmModelService.BadFilename);
        ModelCount(algorithm.Id).Should().Be(0);
    }

    [Fact]
    public async Task Corrupt_traversing_linking_and_empty_tarballs_are_refused_with_a_clear_message_and_nothing_stored()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var cases = new (Func<Stream> Content, string Message)[]
        {
            (() => new MemoryStream(Encoding.UTF8.GetBytes("this is not gzip at all")), "not a readable .tar.gz"),
            (() => TarGz(("../escape.txt", "x")), "not a plain relative path"),
            (() => TarGz(("/etc/passwd", "x")), "not a plain relative path"),
            (() => TarGz(("link->/etc/passwd", "")), "link"),
            (() => TarGz(("only-a-folder/", "")), "contains no files"),
            (() => new MemoryStream(), "empty"),
        };

        foreach (var (content, message) in cases)
        {
            await using var stream = content();
            var result = await Models.UploadAsync(editor, algorithm.Id, stream, "model.tar.gz", null);
            result.Succeeded.Should().BeFalse(message);
            result.FieldErrors!["file"].Single().Should().Contain(message);
        }

        ModelCount(algorithm.Id).Should().Be(0);
        Directory.EnumerateFileSystemEntries(Service<DataDirectory>().Folder("tmp"), "algorithm-model-*").Should().BeEmpty("work folders are cleaned up");
    }

    [Fact]
    public async Task The_same_tarball_twice_for_one_algorithm_is_refused_but_another_algorithm_may_have_it()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var (other, otherEditor) = await AlgorithmAsync();
        using var first = TarGz(("weights.bin", "same"));
        var bytes = first.ToArray();

        (await Models.UploadAsync(editor, algorithm.Id, new MemoryStream(bytes), "a.tar.gz", null)).Succeeded.Should().BeTrue();
        var again = await Models.UploadAsync(editor, algorithm.Id, new MemoryStream(bytes), "b.tar.gz", null);
        again.FieldErrors!["file"].Single().Should().Contain("sha256");
        ModelCount(algorithm.Id).Should().Be(1);
        (await Models.UploadAsync(otherEditor, other.Id, new MemoryStream(bytes), "a.tar.gz", null)).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Only_editors_upload_list_and_switch_models()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var user = await UserAsync("user");
        var stranger = await UserAsync("stranger");
        (await Service<IAlgorithmService>().AddMemberAsync(editor, algorithm.Id, ObjectRoles.User,
            App.Db(db => db.Users.Single(u => u.Id == user.UserId).UserName))).Succeeded.Should().BeTrue();
        var model = (await Models.UploadAsync(editor, algorithm.Id, TarGz(("w.bin", "1")), "m.tar.gz", null)).Value!;

        (await Models.UploadAsync(user, algorithm.Id, TarGz(("w.bin", "2")), "m.tar.gz", null)).Kind.Should().Be(FailureKind.Forbidden);
        (await Models.UploadAsync(stranger, algorithm.Id, TarGz(("w.bin", "3")), "m.tar.gz", null)).Kind.Should().Be(FailureKind.NotFound);
        (await Models.ListAsync(user, algorithm.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await Models.GetAsync(user, model.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await Models.GetAsync(stranger, model.Id)).Kind.Should().Be(FailureKind.NotFound);
        (await Models.SetActiveAsync(user, model.Id, false)).Kind.Should().Be(FailureKind.Forbidden);
        (await Models.SetActiveAsync(Actor.Anonymous, model.Id, false)).Kind.Should().Be(FailureKind.NotFound);
        ModelCount(algorithm.Id).Should().Be(1);
        App.Db(db => db.AlgorithmModels.Single(m => m.Id == model.Id).IsDesiredVersion).Should().BeTrue();
        (await Models.GetAsync(new Actor(Guid.NewGuid(), true), model.Id)).Succeeded.Should().BeTrue("site admins see everything");
    }

    [Fact]
    public async Task One_model_is_active_at_a_time_and_deactivating_leaves_the_algorithm_without_one()
    {
        var (algorithm, editor) = await AlgorithmAsync();
        var first = (await Models.UploadAsync(editor, algorithm.Id, TarGz(("w.bin", "first")), "first.tar.gz", null)).Value!;
        var second = (await Models.UploadAsync(editor, algorithm.Id, TarGz(("w.bin", "second")), "second.tar.gz", null)).Value!;

        Active().Should().Equal(second.Id);
        (await Models.SetActiveAsync(editor, first.Id, true)).Succeeded.Should().BeTrue();
        Active().Should().Equal(first.Id);
        (await Models.ListAsync(editor, algorithm.Id)).Value!.Select(m => m.Id).Should().Equal(second.Id, first.Id);

        (await Models.SetActiveAsync(editor, first.Id, false)).Succeeded.Should().BeTrue();
        Active().Should().BeEmpty();
        await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
        (await AlgorithmQueries.ActiveModelAsync(db, algorithm.Id)).Should().BeNull();

        List<Guid> Active() => App.Db(d => d.AlgorithmModels.Where(m => m.AlgorithmId == algorithm.Id && m.IsDesiredVersion).Select(m => m.Id).ToList());
    }
}

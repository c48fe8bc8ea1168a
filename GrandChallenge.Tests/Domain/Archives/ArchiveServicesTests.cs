using System.Text.Json.Nodes;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Cases;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Domain.Archives;

/// <summary>The archive services of the real host on SQLite: archives, roles, items, image visibility and the upload destination.</summary>
[Trait("Category", "Integration")]
public sealed class ArchiveServicesTests(SqliteAppFixture fixture) : IClassFixture<SqliteAppFixture>, IAsyncLifetime
{
    private GrandChallengeAppFactory App => fixture.App;

    private T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    private IArchiveService Archives => Service<IArchiveService>();

    private IArchiveItemService Items => Service<IArchiveItemService>();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public Task InitializeAsync() => DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<Actor> UserAsync(string prefix = "user", bool siteAdmin = false) =>
        new((await App.CreateUserAsync(Unique(prefix), siteAdmin)).Id, siteAdmin);

    private string NameOf(Actor actor) => App.Db(db => db.Users.Single(u => u.Id == actor.UserId).UserName!);

    private async Task<(Archive Archive, Actor Editor)> ArchiveAsync(bool isPublic = false)
    {
        var editor = await UserAsync("editor");
        var created = await Archives.CreateAsync(editor, new NewArchive($"Archive {Guid.NewGuid():N}", Public: isPublic));
        created.Succeeded.Should().BeTrue(created.Error);
        return (created.Value!, editor);
    }

    private async Task<Actor> MemberAsync(Archive archive, Actor editor, string role)
    {
        var user = await UserAsync(role);
        (await Archives.AddMemberAsync(editor, archive.Id, role, NameOf(user))).Succeeded.Should().BeTrue();
        return user;
    }

    private async Task<Guid> ImageAsync(string name, string? modality = null, Guid? sessionCreator = null)
    {
        await using var db = Service<IDbContextFactory<AppDbContext>>().CreateDbContext();
        var image = new Image { Name = name, Width = 4, Height = 3, Modality = modality };
        if (sessionCreator is not null)
        {
            var session = new UploadSession { CreatorId = sessionCreator };
            db.UploadSessions.Add(session);
            image.OriginId = session.Id;
        }

        db.Images.Add(image);
        await db.SaveChangesAsync();
        return image.Id;
    }

    private async Task<Image> StoredImageAsync(string name, Actor creator)
    {
        var id = await ImageAsync(name, null, creator.UserId);
        return App.Db(db => db.Images.Single(i => i.Id == id));
    }

    private async Task<Socket> JsonSocketAsync(string kind = "FLT")
    {
        var admin = new Actor(Guid.NewGuid(), true);
        var title = $"Archive value {Guid.NewGuid():N}"[..30];
        var result = await Service<ISocketService>().CreateAsync(admin, new SocketDraft(title, kind, $"{title.Replace(' ', '-').ToLowerInvariant()}.json", StoreInDatabase: true));
        return result.Value ?? throw new InvalidOperationException(result.Error);
    }

    [Fact]
    public async Task Any_signed_in_user_creates_an_archive_and_becomes_its_editor()
    {
        var creator = await UserAsync();
        var title = $"CT Scans {Guid.NewGuid():N}"[..20];

        var created = await Archives.CreateAsync(creator, new NewArchive(title, Description: "  Lungs  "));

        created.Succeeded.Should().BeTrue(created.Error);
        created.Value!.Slug.Should().Be(title.ToLowerInvariant().Replace(' ', '-'));
        created.Value.Description.Should().Be("Lungs");
        created.Value.Public.Should().BeFalse();
        created.Value.CreatorId.Should().Be(creator.UserId);
        (await Service<IPermissionService>().RolesAsync(creator, ObjectKinds.Archive, created.Value.Id)).Should().BeEquivalentTo([ObjectRoles.Editor]);
        (await Archives.CreateAsync(Actor.Anonymous, new NewArchive("Anonymous"))).Kind.Should().Be(FailureKind.Forbidden);
    }

    [Theory]
    [InlineData("", null, "title", "A title is required.")]
    [InlineData("Fine", "Bad Slug!", "slug", "The slug may only contain lower-case letters, digits and hyphens, and must start and end with a letter or digit.")]
    [InlineData("Fine", "create", "slug", "'create' is reserved; choose another slug.")]
    [InlineData("!!!", null, "slug", "A slug is required (letters or digits in the title make one).")]
    public async Task A_bad_title_or_slug_is_refused_with_its_field_and_nothing_is_stored(string title, string? slug, string field, string message)
    {
        var creator = await UserAsync();
        var before = App.Db(db => db.Archives.Count());

        var result = await Archives.CreateAsync(creator, new NewArchive(title, slug));

        result.Succeeded.Should().BeFalse();
        result.FieldErrors![field].Should().Equal(message);
        App.Db(db => db.Archives.Count()).Should().Be(before);
    }

    [Fact]
    public async Task A_taken_slug_is_refused()
    {
        var (archive, _) = await ArchiveAsync();
        var again = await Archives.CreateAsync(await UserAsync(), new NewArchive("Other", archive.Slug.ToUpperInvariant()));
        again.FieldErrors!["slug"].Should().Equal($"An archive with the slug '{archive.Slug}' already exists.");
    }

    [Fact]
    public async Task A_hidden_archive_exists_only_for_its_members_and_site_admins()
    {
        var (archive, editor) = await ArchiveAsync();
        var user = await MemberAsync(archive, editor, ObjectRoles.User);
        var stranger = await UserAsync("stranger");
        var admin = await UserAsync("admin", siteAdmin: true);

        (await Archives.FindAsync(stranger, archive.Slug)).Should().BeNull();
        (await Archives.FindAsync(Actor.Anonymous, archive.Id.ToString())).Should().BeNull();
        (await Archives.ListVisibleAsync(stranger)).Should().NotContain(a => a.Id == archive.Id);
        (await Archives.FindAsync(user, archive.Slug))!.IsEditor.Should().BeFalse();
        (await Archives.ListVisibleAsync(user)).Should().Contain(a => a.Id == archive.Id);
        (await Archives.FindAsync(admin, archive.Id.ToString()))!.IsEditor.Should().BeTrue();
        (await Archives.ListVisibleAsync(admin, archive.Slug)).Should().ContainSingle();

        (await Archives.UpdateAsync(editor, archive.Id, ArchiveSettings.Of(archive) with { Public = true })).Succeeded.Should().BeTrue();
        (await Archives.FindAsync(Actor.Anonymous, archive.Slug)).Should().NotBeNull();
        (await Archives.ListVisibleAsync(stranger)).Should().Contain(a => a.Id == archive.Id);
    }

    [Fact]
    public async Task Only_editors_change_an_archive_and_a_bad_change_changes_nothing()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);
        var settings = ArchiveSettings.Of(archive) with { Title = "Renamed", Detail = "# Hello" };

        (await Archives.UpdateAsync(uploader, archive.Id, settings)).Kind.Should().Be(FailureKind.Forbidden);
        (await Archives.UpdateAsync(await UserAsync(), archive.Id, settings)).Kind.Should().Be(FailureKind.NotFound);
        var tooLong = await Archives.UpdateAsync(editor, archive.Id, settings with { Description = new string('x', 1025) });
        tooLong.FieldErrors!["description"].Should().Equal("The description may have at most 1024 characters.");
        App.Db(db => db.Archives.Single(a => a.Id == archive.Id).Title).Should().Be(archive.Title);

        (await Archives.UpdateAsync(editor, archive.Id, settings)).Succeeded.Should().BeTrue();
        App.Db(db => db.Archives.Single(a => a.Id == archive.Id)).Should().Match<Archive>(a => a.Title == "Renamed" && a.Detail == "# Hello");
    }

    [Fact]
    public async Task Editors_manage_roles_and_the_last_editor_stays()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);

        (await Archives.AddMemberAsync(editor, archive.Id, ObjectRoles.Uploader, NameOf(uploader))).FieldErrors!["username"]
            .Should().Equal($"{NameOf(uploader)} is already an uploader of this archive.");
        (await Archives.AddMemberAsync(editor, archive.Id, ObjectRoles.User, "nobody-at-all")).FieldErrors!["username"]
            .Should().Equal("There is no user named 'nobody-at-all'.");
        (await Archives.AddMemberAsync(editor, archive.Id, "admin", NameOf(uploader))).FieldErrors!["role"]
            .Should().Equal("'admin' is not a role of an archive; use editor, uploader or user.");
        (await Archives.AddMemberAsync(uploader, archive.Id, ObjectRoles.Editor, NameOf(uploader))).Kind.Should().Be(FailureKind.Forbidden);
        (await Archives.MembersAsync(uploader, archive.Id)).Kind.Should().Be(FailureKind.Forbidden);

        var members = (await Archives.MembersAsync(editor, archive.Id)).Value!;
        members.Select(m => (m.Username, m.Role)).Should().Equal((NameOf(editor), ObjectRoles.Editor), (NameOf(uploader), ObjectRoles.Uploader));

        (await Archives.RemoveMemberAsync(editor, archive.Id, ObjectRoles.Editor, editor.UserId!.Value)).Error
            .Should().Be("The last editor of an archive cannot be removed; add another editor first.");
        (await Archives.RemoveMemberAsync(editor, archive.Id, ObjectRoles.Uploader, uploader.UserId!.Value)).Succeeded.Should().BeTrue();
        (await Archives.FindAsync(uploader, archive.Slug)).Should().BeNull();
    }

    [Fact]
    public async Task Uploaders_add_items_with_validated_values_and_users_only_view()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);
        var user = await MemberAsync(archive, editor, ObjectRoles.User);
        var number = await JsonSocketAsync();
        var image = await ImageAsync("chest.mha", "CT", sessionCreator: uploader.UserId);

        var created = await Items.CreateAsync(uploader, archive.Id, "Case 1",
            [ItemValueDraft.OfJson(number.Slug, JsonValue.Create(1.5)), ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, image)]);

        created.Succeeded.Should().BeTrue(created.Error);
        created.Value!.Values.Select(v => (v.SocketSlug, v.JsonValue, v.ImageName))
            .Should().BeEquivalentTo([(DefaultSockets.GenericMedicalImage, (string?)null, (string?)"chest.mha"), (number.Slug, "1.5", null)]);
        (await Items.CreateAsync(user, archive.Id, "Case 2", [])).Kind.Should().Be(FailureKind.Forbidden);
        (await Items.ListAsync(user, archive.Id, new ArchiveItemQuery())).Value!.Count.Should().Be(1);
        (await Items.ListAsync(await UserAsync(), archive.Id, new ArchiveItemQuery())).Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task A_refused_value_stores_no_item()
    {
        var (archive, editor) = await ArchiveAsync();
        var number = await JsonSocketAsync();
        var hiddenImage = await ImageAsync("someone-elses.mha", sessionCreator: (await UserAsync()).UserId);
        await Items.CreateAsync(editor, archive.Id, "Taken", []);

        var cases = new (string? Title, ItemValueDraft[] Values, string Message)[]
        {
            ("A", [ItemValueDraft.OfJson(number.Slug, JsonValue.Create("not a number"))], $"{number.Slug}: "),
            ("B", [ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, hiddenImage)], $"No such image for '{DefaultSockets.GenericMedicalImage}', or it is hidden from you."),
            ("C", [ItemValueDraft.OfJson("no-such-socket", null)], "There is no socket 'no-such-socket'."),
            ("D", [ItemValueDraft.OfJson(DefaultSockets.GenericMedicalImage, JsonValue.Create(1))], $"'{DefaultSockets.GenericMedicalImage}' is a Image socket; it takes an image."),
            ("E", [ItemValueDraft.OfJson(number.Slug, JsonValue.Create(1)), ItemValueDraft.OfJson(number.Slug, JsonValue.Create(2))], "is given more than once"),
            ("Taken", [], "This archive already has an item titled 'Taken'."),
        };
        foreach (var (title, values, message) in cases)
        {
            var result = await Items.CreateAsync(editor, archive.Id, title, values);
            result.Succeeded.Should().BeFalse(title);
            result.Error.Should().Contain(message, title);
        }

        App.Db(db => db.ArchiveItems.Count(i => i.ArchiveId == archive.Id)).Should().Be(1);
    }

    [Fact]
    public async Task Items_are_found_by_title_image_name_and_modality()
    {
        var (archive, editor) = await ArchiveAsync();
        var socket = DefaultSockets.GenericMedicalImage;
        var ct = await ImageAsync("Lung-001.mha", "CT", editor.UserId);
        var mr = await ImageAsync("brain-002.mha", "MR", editor.UserId);
        await Items.CreateAsync(editor, archive.Id, "First", [ItemValueDraft.OfImage(socket, ct)]);
        await Items.CreateAsync(editor, archive.Id, "Second", [ItemValueDraft.OfImage(socket, mr)]);
        await Items.CreateAsync(editor, archive.Id, "Third lung", []);

        async Task<string[]> TitlesAsync(ArchiveItemQuery query) =>
            (await Items.ListAsync(editor, archive.Id, query)).Value!.Items.Select(i => i.Title).ToArray();

        (await TitlesAsync(new ArchiveItemQuery())).Should().Equal("First", "Second", "Third lung");
        (await TitlesAsync(new ArchiveItemQuery("LUNG"))).Should().Equal("First", "Third lung");
        (await TitlesAsync(new ArchiveItemQuery("brain"))).Should().Equal("Second");
        (await TitlesAsync(new ArchiveItemQuery(Modality: "MR"))).Should().Equal("Second");
        (await TitlesAsync(new ArchiveItemQuery("lung", "MR"))).Should().BeEmpty();
        (await TitlesAsync(new ArchiveItemQuery(Offset: 1, Limit: 1))).Should().Equal("Second");
        (await Items.ModalitiesAsync(archive.Id)).Should().Equal("CT", "MR");
    }

    [Fact]
    public async Task A_value_is_replaced_per_socket_and_only_editors_delete_items()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);
        var number = await JsonSocketAsync();
        var item = (await Items.CreateAsync(uploader, archive.Id, "", [ItemValueDraft.OfJson(number.Slug, JsonValue.Create(1))])).Value!;

        var changed = await Items.SetValueAsync(uploader, item.Id, ItemValueDraft.OfJson(number.Slug, JsonValue.Create(2)));
        changed.Value!.Values.Should().ContainSingle().Which.JsonValue.Should().Be("2");
        var bad = await Items.SetValueAsync(uploader, item.Id, ItemValueDraft.OfJson(number.Slug, JsonValue.Create("two")));
        bad.Succeeded.Should().BeFalse();
        (await Items.GetAsync(uploader, item.Id)).Value!.Values.Single().JsonValue.Should().Be("2");

        (await Items.DeleteAsync(uploader, item.Id)).Kind.Should().Be(FailureKind.Forbidden);
        (await Items.DeleteAsync(editor, item.Id)).Succeeded.Should().BeTrue();
        (await Items.GetAsync(editor, item.Id)).Kind.Should().Be(FailureKind.NotFound);
    }

    [Fact]
    public async Task Uploaders_and_editors_remove_single_values_users_and_strangers_do_not_and_the_value_itself_stays()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);
        var user = await MemberAsync(archive, editor, ObjectRoles.User);
        var stranger = await UserAsync("stranger");
        var number = await JsonSocketAsync();
        var image = await ImageAsync("kept.mha", null, editor.UserId);
        var item = (await Items.CreateAsync(editor, archive.Id, "", [
            ItemValueDraft.OfJson(number.Slug, JsonValue.Create(1)), ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, image)])).Value!;

        (await Items.RemoveValueAsync(stranger, item.Id, number.Slug)).Kind.Should().Be(FailureKind.NotFound);
        (await Items.RemoveValueAsync(user, item.Id, number.Slug)).Kind.Should().Be(FailureKind.Forbidden);
        (await Items.RemoveValueAsync(Actor.Anonymous, item.Id, number.Slug)).Kind.Should().Be(FailureKind.NotFound);
        (await Items.RemoveValueAsync(uploader, item.Id, "no-such-socket")).Error.Should().Contain("There is no socket 'no-such-socket'.");
        (await Items.GetAsync(editor, item.Id)).Value!.Values.Should().HaveCount(2, "refused removals change nothing");

        var removed = await Items.RemoveValueAsync(uploader, item.Id, number.Slug);
        removed.Value!.Values.Select(v => v.SocketSlug).Should().Equal(DefaultSockets.GenericMedicalImage);
        (await Items.RemoveValueAsync(editor, item.Id, DefaultSockets.GenericMedicalImage)).Value!.Values.Should().BeEmpty();
        App.Db(db => db.Images.Any(i => i.Id == image)).Should().BeTrue("an image no longer on any item stays");
        App.Db(db => db.SocketValues.Any(v => v.Id == item.Values[0].ValueId)).Should().BeTrue("values are shared and kept");
    }

    [Fact]
    public async Task Images_are_visible_through_archives_the_actor_may_see_and_to_the_session_creator()
    {
        var (archive, editor) = await ArchiveAsync();
        var user = await MemberAsync(archive, editor, ObjectRoles.User);
        var stranger = await UserAsync("stranger");
        var image = await ImageAsync("visible.mha", sessionCreator: editor.UserId);
        var access = Service<IImageAccess>();

        (await access.FindAsync(editor, image)).Should().NotBeNull("the editor created the upload session");
        (await access.FindAsync(user, image)).Should().BeNull("the image is in no item yet");
        (await access.FindAsync(new Actor(Guid.NewGuid(), true), image)).Should().NotBeNull();

        await Items.CreateAsync(editor, archive.Id, "", [ItemValueDraft.OfImage(DefaultSockets.GenericMedicalImage, image)]);
        (await access.FindAsync(user, image))!.Name.Should().Be("visible.mha");
        (await access.FindAsync(stranger, image)).Should().BeNull();
        (await access.FindAsync(Actor.Anonymous, image)).Should().BeNull();

        await Archives.UpdateAsync(editor, archive.Id, ArchiveSettings.Of(archive) with { Public = true });
        (await access.FindAsync(Actor.Anonymous, image)).Should().NotBeNull();
    }

    [Fact]
    public async Task The_destination_adds_one_item_per_image_and_skips_images_already_there()
    {
        var (archive, editor) = await ArchiveAsync();
        var uploader = await MemberAsync(archive, editor, ObjectRoles.Uploader);
        var user = await MemberAsync(archive, editor, ObjectRoles.User);
        var destination = Service<IEnumerable<IUploadSessionDestination>>().OfType<ArchiveUploadDestination>().Single();
        var session = new UploadSession { CreatorId = uploader.UserId, ArchiveId = archive.Id };

        destination.Handles(session).Should().BeTrue();
        destination.Handles(new UploadSession()).Should().BeFalse();
        (await destination.AuthorizeAsync(uploader, session, default)).Should().BeNull();
        (await destination.AuthorizeAsync(user, session, default)).Should().Be("Only the archive's editors and uploaders may upload to it.");
        (await destination.AuthorizeAsync(await UserAsync(), session, default)).Should().Be(ArchiveService.NotFoundMessage);
        (await destination.DeidentificationKeyAsync(session, default)).Should().Equal(Convert.FromBase64String(archive.DeidentificationKey));

        var images = new List<Image>();
        foreach (var name in new[] { "a.mha", "b.mha" })
        {
            images.Add(await StoredImageAsync(name, uploader));
        }

        (await destination.AcceptAsync(session, images, default)).Should().BeEmpty();
        (await destination.AcceptAsync(session, images, default)).Should().BeEmpty();

        var listed = (await Items.ListAsync(user, archive.Id, new ArchiveItemQuery())).Value!;
        listed.Items.Select(i => i.Values.Single()).Select(v => (v.SocketSlug, v.ImageName))
            .Should().Equal((DefaultSockets.GenericMedicalImage, "a.mha"), (DefaultSockets.GenericMedicalImage, "b.mha"));
    }

    [Fact]
    public async Task The_destination_sets_one_image_on_an_item_socket_and_refuses_more()
    {
        var (archive, editor) = await ArchiveAsync();
        var item = (await Items.CreateAsync(editor, archive.Id, "Target", [])).Value!;
        var socket = App.Db(db => db.Sockets.Single(s => s.Slug == DefaultSockets.GenericOverlay));
        var destination = Service<IEnumerable<IUploadSessionDestination>>().OfType<ArchiveUploadDestination>().Single();
        var session = new UploadSession { CreatorId = editor.UserId, ArchiveItemId = item.Id, SocketId = socket.Id };
        var first = await StoredImageAsync("one.mha", editor);
        var second = await StoredImageAsync("two.mha", editor);

        (await destination.AuthorizeAsync(editor, session, default)).Should().BeNull();
        var number = await JsonSocketAsync();
        (await destination.AuthorizeAsync(editor, new UploadSession { ArchiveItemId = item.Id, SocketId = number.Id }, default))
            .Should().Be($"'{number.Slug}' is a Float socket; images cannot be imported into it.");

        (await destination.AcceptAsync(session, [first, second], default)).Should().Equal(ArchiveUploadDestination.SingleImageMessage);
        (await Items.GetAsync(editor, item.Id)).Value!.Values.Should().BeEmpty();

        (await destination.AcceptAsync(session, [second], default)).Should().BeEmpty();
        (await Items.GetAsync(editor, item.Id)).Value!.Values.Should().ContainSingle()
            .Which.Should().Match<ArchiveItemValueView>(v => v.SocketSlug == DefaultSockets.GenericOverlay && v.ImageName == "two.mha");
    }
}

using System.Security.Claims;
using System.Text.Json.Nodes;
using Bunit;
using Bunit.TestDoubles;
using GrandChallenge.Domain.Archives;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using GrandChallenge.Tests.Web.Components;
using GrandChallenge.Web.Features.Archives;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace GrandChallenge.Tests.Web.Archives;

/// <summary>The archive pages rendered with bUnit on the real domain services of a test host, following changes live.</summary>
[Trait("Category", "Integration")]
public sealed class ArchivePagesLiveTests : BunitContextBase, IClassFixture<SqliteAppFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly SqliteAppFixture _fixture;
    private readonly BunitAuthorizationContext _auth;

    public ArchivePagesLiveTests(SqliteAppFixture fixture)
    {
        _fixture = fixture;
        Use<IArchiveService>();
        Use<IArchiveItemService>();
        Use<ISocketService>();
        Use<GrandChallenge.Web.Features.Challenges.MarkdownRenderer>();
        Use<IChangeNotifier>();
        Use<GrandChallenge.Domain.Cases.IUploadSessionService>();
        _auth = AddAuthorization();
        Render<MudPopoverProvider>();
    }

    private void Use<T>()
        where T : class => Services.AddSingleton(_ => _fixture.App.Services.GetRequiredService<T>());

    private T Service<T>() where T : notnull => _fixture.App.Services.GetRequiredService<T>();

    private async Task<ApplicationUser> SignInAsync(string prefix)
    {
        var user = await _fixture.App.CreateUserAsync($"{prefix}{Guid.NewGuid():N}"[..16]);
        _auth.SetAuthorized(user.UserName!);
        _auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()));
        return user;
    }

    [Fact]
    public async Task An_item_another_user_adds_appears_on_the_open_archive_page()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var viewer = await SignInAsync("viewer");
        var uploaderUser = await _fixture.App.CreateUserAsync($"upl{Guid.NewGuid():N}"[..16]);
        var editor = new Actor((await _fixture.App.CreateUserAsync($"ed{Guid.NewGuid():N}"[..16])).Id, false);
        var archives = Service<IArchiveService>();
        var archive = (await archives.CreateAsync(editor, new NewArchive($"Live archive {Guid.NewGuid():N}"))).Value!;
        (await archives.AddMemberAsync(editor, archive.Id, ObjectRoles.User, viewer.UserName)).Succeeded.Should().BeTrue();
        (await archives.AddMemberAsync(editor, archive.Id, ObjectRoles.Uploader, uploaderUser.UserName)).Succeeded.Should().BeTrue();

        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.Find("#item-empty").TextContent.Should().Be("No items yet."), Patience);
        page.FindAll("#item-form").Should().BeEmpty("users view but do not add items");

        var added = await Service<IArchiveItemService>().CreateAsync(new Actor(uploaderUser.Id, false), archive.Id, "Added elsewhere",
            [ItemValueDraft.OfJson(DefaultSockets.ResultsJsonFile, JsonNode.Parse("""{"score": 1}"""))]);
        added.Succeeded.Should().BeTrue(added.Error);

        page.WaitForAssertion(() => page.Find($"[data-item='{added.Value!.Id}']").TextContent.Should().Be("Added elsewhere"), Patience);
        page.Markup.Should().Contain("""{"score":1}""").And.Contain("Items (1)");

        await Service<IArchiveItemService>().SetValueAsync(new Actor(uploaderUser.Id, false), added.Value!.Id,
            ItemValueDraft.OfJson(DefaultSockets.ResultsJsonFile, JsonNode.Parse("""{"score": 2}""")));
        page.WaitForAssertion(() => page.Markup.Should().Contain("""{"score":2}"""), Patience);
    }

    [Fact]
    public async Task The_items_table_filters_by_search_text()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var editorUser = await SignInAsync("editor");
        var editor = new Actor(editorUser.Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Search archive {Guid.NewGuid():N}"))).Value!;
        foreach (var title in new[] { "Lung case", "Brain case" })
        {
            (await Service<IArchiveItemService>().CreateAsync(editor, archive.Id, title, [])).Succeeded.Should().BeTrue();
        }

        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.FindAll("[data-item]").Should().HaveCount(2), Patience);
        page.Find("#item-form").Should().NotBeNull("editors add items");

        await page.InvokeAsync(() => page.FindComponents<MudTextField<string>>().Single(c => c.Instance.Label == "Search titles and image names").Instance.ValueChanged.InvokeAsync("brain"));
        page.WaitForAssertion(() => page.FindAll("[data-item]").Select(e => e.TextContent).Should().Equal("Brain case"), Patience);
    }

    [Fact]
    public async Task Images_an_editor_uploads_on_the_archive_page_are_imported_live_into_new_items_with_bad_files_explained()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var editorUser = await SignInAsync("imped");
        var editor = new Actor(editorUser.Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Upload archive {Guid.NewGuid():N}"))).Value!;
        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.Find("#image-upload-panel"), Patience);
        page.Find("#image-import").HasAttribute("disabled").Should().BeTrue("nothing is uploaded yet");

        // What the resumable upload hands over when a file is complete: the id of the user's finished upload.
        var directory = GrandChallenge.Tests.Domain.Imaging.TestImages.TempDir();
        var uploads = Service<GrandChallenge.Domain.Uploads.IUploadService>();
        var files = new[] { GrandChallenge.Tests.Domain.Imaging.Import.ImportTestFiles.WriteMha(directory), Path.Combine(directory, "readme.txt") };
        File.WriteAllText(files[1], "not an image");
        foreach (var file in files)
        {
            await using var content = File.OpenRead(file);
            var upload = await uploads.UploadFileAsync(editor, Path.GetFileName(file), content, null, null);
            upload.Succeeded.Should().BeTrue(upload.Error);
            var picker = page.FindComponent<GrandChallenge.Web.Components.Shared.ResumableUpload>();
            await page.InvokeAsync(() => picker.Instance.OnCompleted.InvokeAsync(upload.Value!.Id));
        }

        page.Find("#image-import").TextContent.Trim().Should().Be("Import 2 files");
        page.Find("#image-import").Click();

        page.WaitForAssertion(() => page.Find("[data-session-status]").TextContent.Should().Be("Succeeded"), Patience);
        page.Find("[data-session-images]").TextContent.Should().Be("1");
        page.Find("[data-session-file-errors]").TextContent.Should().Contain("readme.txt").And.Contain("Not a supported image file.");
        page.WaitForAssertion(() => page.FindAll("[data-thumbnail]").Should().ContainSingle("the image became an item with its thumbnail"), Patience);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task An_uploader_edits_an_items_json_value_and_uploads_an_image_onto_its_image_socket()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var editor = new Actor((await SignInAsync("edit")).Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Edit archive {Guid.NewGuid():N}"))).Value!;
        var item = (await Service<IArchiveItemService>().CreateAsync(editor, archive.Id, "Case 1",
            [ItemValueDraft.OfJson(DefaultSockets.ResultsJsonFile, JsonNode.Parse("""{"score": 1}"""))])).Value!;
        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.Find($"[data-item-edit='{item.Id}']").Click(), Patience);

        MudSelect<string> SocketPicker() => page.FindComponents<MudSelect<string>>()
            .Single(c => c.Instance.UserAttributes.TryGetValue("id", out var id) && (string?)id == "item-edit-socket").Instance;
        await page.InvokeAsync(() => SocketPicker().ValueChanged.InvokeAsync(DefaultSockets.ResultsJsonFile));
        page.Find("#item-edit-value").Change("{not json");
        page.Find("#item-edit-save").Click();
        page.Find("#item-edit-error").TextContent.Should().Contain("not valid JSON");
        page.Markup.Should().Contain("""{"score":1}""", "a refused value changes nothing");

        page.Find("#item-edit-value").Change("""{"score": 3}""");
        page.Find("#item-edit-save").Click();
        page.WaitForAssertion(() => page.Markup.Should().Contain("""{"score":3}"""), Patience);

        // An image socket takes an upload: the import sets the item's value when it is done.
        await page.InvokeAsync(() => SocketPicker().ValueChanged.InvokeAsync(DefaultSockets.GenericMedicalImage));
        var directory = GrandChallenge.Tests.Domain.Imaging.TestImages.TempDir();
        var mha = GrandChallenge.Tests.Domain.Imaging.Import.ImportTestFiles.WriteMha(directory);
        await using (var content = File.OpenRead(mha))
        {
            var upload = await Service<GrandChallenge.Domain.Uploads.IUploadService>().UploadFileAsync(editor, "scan.mha", content, null, null);
            var picker = page.FindComponents<GrandChallenge.Web.Components.Shared.ResumableUpload>().Single(c => c.Instance.Id == "item-image-upload");
            await page.InvokeAsync(() => picker.Instance.OnCompleted.InvokeAsync(upload.Value!.Id));
        }

        page.Find("#item-image-import").Click();
        page.WaitForAssertion(() => page.Find("#item-edit [data-session-status]").TextContent.Should().Be("Succeeded"), Patience);
        page.WaitForAssertion(() => page.FindAll("[data-thumbnail]").Should().ContainSingle(), Patience);
        page.FindAll("[data-item]").Should().ContainSingle("the image went onto the existing item, not a new one");
        Directory.Delete(directory, recursive: true);
    }

    private static AngleSharp.Dom.IElement DialogButton(IRenderedComponent<MudDialogProvider> dialogs, string text) =>
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text);

    [Fact]
    public async Task An_editor_deletes_the_archive_only_after_confirming_and_lands_on_the_archive_list()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var editor = new Actor((await SignInAsync("deled")).Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Doomed archive {Guid.NewGuid():N}"))).Value!;
        (await Service<IArchiveItemService>().CreateAsync(editor, archive.Id, "Case", [])).Succeeded.Should().BeTrue();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));
        page.WaitForAssertion(() => page.FindAll("[data-item]").Should().ContainSingle(), Patience);

        page.Find("#archive-delete").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog").TextContent.Should().Contain(archive.Title).And.Contain("1 items"), Patience);
        DialogButton(dialogs, "Cancel").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll(".mud-dialog").Should().BeEmpty(), Patience);
        (await Service<IArchiveService>().FindAsync(editor, archive.Slug)).Should().NotBeNull("cancelling the dialog deletes nothing");

        page.Find("#archive-delete").Click();
        dialogs.WaitForAssertion(() => DialogButton(dialogs, "Delete").Click(), Patience);

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        page.WaitForAssertion(() => navigation.Uri.Should().EndWith("/archives"), Patience);
        (await Service<IArchiveService>().FindAsync(editor, archive.Slug)).Should().BeNull();
    }

    [Fact]
    public async Task Only_editors_see_the_archive_delete_button()
    {
        var editor = new Actor((await _fixture.App.CreateUserAsync($"ed{Guid.NewGuid():N}"[..16])).Id, false);
        var uploader = await SignInAsync("nodel");
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Kept archive {Guid.NewGuid():N}"))).Value!;
        (await Service<IArchiveService>().AddMemberAsync(editor, archive.Id, ObjectRoles.Uploader, uploader.UserName)).Succeeded.Should().BeTrue();
        var item = (await Service<IArchiveItemService>().CreateAsync(editor, archive.Id, "Case", [])).Value!;

        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));

        page.WaitForAssertion(() => page.Find($"[data-item-edit='{item.Id}']"), Patience);
        page.FindAll("#archive-delete").Should().BeEmpty();
        page.FindAll("[data-item-delete]").Should().BeEmpty("uploaders change items but only editors delete them");
    }

    [Fact]
    public async Task An_editor_removes_one_value_in_the_item_editor_downloads_a_file_value_and_deletes_the_item_after_confirming()
    {
        await DefaultSockets.EnsureAsync(Service<IDbContextFactory<AppDbContext>>());
        var editor = new Actor((await SignInAsync("remv")).Id, false);
        var archive = (await Service<IArchiveService>().CreateAsync(editor, new NewArchive($"Values archive {Guid.NewGuid():N}"))).Value!;
        var item = (await Service<IArchiveItemService>().CreateAsync(editor, archive.Id, "Case 7",
        [
            ItemValueDraft.OfJson(DefaultSockets.ResultsJsonFile, JsonNode.Parse("""{"score": 1}""")),
            ItemValueDraft.OfFile(DefaultSockets.PredictionsCsvFile, new MemoryStream("a,b\n1,2\n"u8.ToArray()), "predictions.csv"),
        ])).Value!;
        var fileValue = item.Values.Single(v => v.FileName is not null).ValueId;
        var dialogs = Render<MudDialogProvider>();
        var page = Render<ArchiveDetailPage>(p => p.Add(c => c.Slug, archive.Slug));

        page.WaitForAssertion(() => page.Find($"[data-value-file='{fileValue}']").GetAttribute("href")
            .Should().Be($"/api/v1/archives/items/{item.Id}/values/{fileValue}/file/"), Patience);
        page.Find($"[data-value-file='{fileValue}']").TextContent.Should().Be("predictions.csv");

        page.Find($"[data-item-edit='{item.Id}']").Click();
        page.FindAll("[data-edit-value]").Select(e => e.GetAttribute("data-edit-value")).Should()
            .BeEquivalentTo([DefaultSockets.ResultsJsonFile, DefaultSockets.PredictionsCsvFile]);
        page.Find($"[data-value-remove='{DefaultSockets.ResultsJsonFile}']").Click();

        page.WaitForAssertion(() => page.FindAll("[data-edit-value]").Select(e => e.GetAttribute("data-edit-value")).Should()
            .Equal(DefaultSockets.PredictionsCsvFile), Patience);
        page.Markup.Should().NotContain("""{"score":1}""");
        (await Service<IArchiveItemService>().GetAsync(editor, item.Id)).Value!.Values.Should().ContainSingle();

        page.Find($"[data-item-delete='{item.Id}']").Click();
        dialogs.WaitForAssertion(() => dialogs.Find(".mud-dialog").TextContent.Should().Contain("Case 7"), Patience);
        DialogButton(dialogs, "Cancel").Click();
        page.FindAll("[data-item]").Should().ContainSingle();
        page.Find($"[data-item-delete='{item.Id}']").Click();
        dialogs.WaitForAssertion(() => DialogButton(dialogs, "Delete").Click(), Patience);

        page.WaitForAssertion(() => page.Find("#item-empty").TextContent.Should().Be("No items yet."), Patience);
        page.FindAll("#item-edit").Should().BeEmpty("the edited item is gone");
        (await Service<IArchiveItemService>().GetAsync(editor, item.Id)).Kind.Should().Be(FailureKind.NotFound);
    }
}

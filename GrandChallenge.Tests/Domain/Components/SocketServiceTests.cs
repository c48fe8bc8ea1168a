using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class SocketServiceTests : IDisposable
{
    private static readonly Actor Admin = new(Guid.NewGuid(), IsSiteAdmin: true);
    private const string Segments = """[{"name": "tumour", "visible": true, "voxel_value": 1}]""";

    private readonly InMemoryDatabase _db = new();
    private readonly string _data = TestEnvironment.NewTempDirectory("gc-sockets");
    private readonly SocketService _service;

    public SocketServiceTests() => _service = new SocketService(_db);

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task A_valid_socket_is_created_with_a_slug_from_its_title()
    {
        var result = await _service.CreateAsync(Admin, new SocketDraft("Lung Nodule Probability", "FLT", "nodule-probability.json",
            Description: "How likely", DefaultValue: "0.5", Schema: """{"minimum": 0, "maximum": 1}"""));

        result.Succeeded.Should().BeTrue(result.Error);
        var socket = result.Value!;
        socket.Id.Should().BePositive();
        socket.Slug.Should().Be("lung-nodule-probability");
        socket.StoreInDatabase.Should().BeTrue("JSON kinds keep values in the database unless told otherwise");
        socket.SuperKind.Should().Be(SocketSuperKind.Value);
        socket.DefaultValue.Should().Be("0.5");
        (await _service.GetBySlugAsync("lung-nodule-probability"))!.Title.Should().Be("Lung Nodule Probability");
    }

    [Fact]
    public async Task Kinds_are_accepted_by_code_or_label()
    {
        (await _service.CreateAsync(Admin, new SocketDraft("By label", "segmentation", "images/by-label", OverlaySegments: Segments))).Value!.Kind.Should().Be("SEG");
        (await _service.CreateAsync(Admin, new SocketDraft("By code", "pdf", "by-code.pdf"))).Value!.Kind.Should().Be("PDF");
    }

    [Fact]
    public async Task Every_broken_field_is_reported_at_once_and_nothing_is_created()
    {
        var result = await _service.CreateAsync(Admin, new SocketDraft("", "NOPE", "x.json"));
        result.FieldErrors!.Keys.Should().BeEquivalentTo("title", "kind");

        var many = await _service.CreateAsync(Admin, new SocketDraft("Many", "M2DB", "images/many.txt",
            DefaultValue: "{", Schema: """{"type": "nope"}""", StoreInDatabase: true, OverlaySegments: Segments));

        many.Succeeded.Should().BeFalse();
        many.FieldErrors!.Keys.Should().BeEquivalentTo("relative_path", "store_in_database", "schema", "overlay_segments", "default_value");
        many.FieldErrors["store_in_database"][0].Should().Contain("keep them as files");
        many.FieldErrors["default_value"][0].Should().StartWith("Not valid JSON");
        (await _service.ListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Titles_and_relative_paths_are_unique_and_slugs_get_a_number()
    {
        await _service.CreateAsync(Admin, new SocketDraft("Score", "FLT", "score.json"));

        var sameTitle = await _service.CreateAsync(Admin, new SocketDraft("Score", "FLT", "other.json"));
        var samePath = await _service.CreateAsync(Admin, new SocketDraft("Other", "FLT", "score.json"));
        var sameSlug = await _service.CreateAsync(Admin, new SocketDraft("score!", "FLT", "score2.json"));

        sameTitle.FieldErrors!["title"][0].Should().Contain("already exists");
        samePath.FieldErrors!["relative_path"][0].Should().Contain("already uses");
        sameSlug.Value!.Slug.Should().Be("score-2");
    }

    [Fact]
    public async Task Only_site_admins_create_and_change_sockets()
    {
        var user = new Actor(Guid.NewGuid(), false);

        (await _service.CreateAsync(user, new SocketDraft("X", "STR", "x.json"))).Error.Should().Contain("site admins");
        var socket = (await _service.CreateAsync(Admin, new SocketDraft("X", "STR", "x.json"))).Value!;
        (await _service.UpdateAsync(user, socket.Id, new SocketUpdate("Y", "", null, null, null))).Error.Should().Contain("site admins");
    }

    [Theory]
    [InlineData("IMG", "images/a", null, null, true, "store_in_database")]
    [InlineData("PDF", "a.pdf", "1", null, null, "default_value")]
    [InlineData("JSON", "a.json", "1", null, false, "default_value")]
    [InlineData("INT", "a.json", "\"one\"", null, null, "default_value")]
    [InlineData("INT", "a.json", "5", """{"maximum": 3}""", null, "default_value")]
    [InlineData("PDF", "a.pdf", null, """{"type": "object"}""", null, "schema")]
    [InlineData("STR", "a.json", null, """{"$ref": "http://example.org/s.json"}""", null, "schema")]
    [InlineData("DCMIS", "images/dicom", null, null, null, "kind")]
    [InlineData("MPOI", "points.json", null, null, true, "store_in_database")]
    public async Task Rules_that_tie_fields_to_the_kind_are_enforced(string kind, string path, string? defaultValue, string? schema, bool? store, string field)
    {
        var result = await _service.CreateAsync(Admin, new SocketDraft("T", kind, path, DefaultValue: defaultValue, Schema: schema, StoreInDatabase: store));

        result.FieldErrors!.Keys.Should().Contain(field);
    }

    [Fact]
    public async Task File_only_kinds_default_to_files_and_segmentations_need_segments()
    {
        var points = await _service.CreateAsync(Admin, new SocketDraft("Points", "MPOI", "points.json"));
        points.Value!.StoreInDatabase.Should().BeFalse();
        points.Value.SuperKind.Should().Be(SocketSuperKind.File);

        (await _service.CreateAsync(Admin, new SocketDraft("Seg", "SEG", "images/seg"))).FieldErrors!["overlay_segments"][0].Should().Contain("must be set");
        (await _service.CreateAsync(Admin, new SocketDraft("Seg", "SEG", "images/seg", OverlaySegments: "[]"))).FieldErrors!.Should().ContainKey("overlay_segments");
        (await _service.CreateAsync(Admin, new SocketDraft("Img", "IMG", "images/img", OverlaySegments: Segments))).FieldErrors!["overlay_segments"][0]
            .Should().Contain("only be set for segmentations");
        (await _service.CreateAsync(Admin, new SocketDraft("Seg", "SEG", "images/seg", OverlaySegments: Segments))).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Updates_keep_the_slug_and_refuse_schema_changes_once_values_exist()
    {
        var socket = (await _service.CreateAsync(Admin, new SocketDraft("Count", "INT", "count.json", Schema: """{"minimum": 0}"""))).Value!;

        var renamed = await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Lesion count", "how many", "3", """{"minimum": 1}""", null));
        renamed.Succeeded.Should().BeTrue(renamed.Error);
        renamed.Value!.Slug.Should().Be("count");
        renamed.Value.Schema.Should().Be("""{"minimum":1}""");

        await Values().GetOrCreateJsonAsync(renamed.Value, JsonValue.Create(4));

        var blocked = await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Lesion count", "", null, """{"minimum": 5}""", null));
        blocked.FieldErrors!["schema"][0].Should().Contain("values of this socket exist");
        var unchangedSchema = await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Lesion count!", "", null, """{"minimum":1}""", null));
        unchangedSchema.Succeeded.Should().BeTrue(unchangedSchema.Error);
    }

    [Fact]
    public async Task Overlay_segments_can_only_be_extended_once_values_exist()
    {
        var socket = (await _service.CreateAsync(Admin, new SocketDraft("Mask", "SEG", "images/mask", OverlaySegments: Segments))).Value!;
        const string extended = """[{"name": "tumour", "visible": false, "voxel_value": 1}, {"name": "oedema", "visible": true, "voxel_value": 2}]""";
        const string replaced = """[{"name": "lesion", "visible": true, "voxel_value": 1}]""";

        (await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Mask", "", null, null, replaced))).Succeeded.Should().BeTrue("no values yet");
        (await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Mask", "", null, null, Segments))).Succeeded.Should().BeTrue();

        (await Values().GetOrCreateImageAsync(socket, await _db.AddImageAsync())).Succeeded.Should().BeTrue();

        (await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Mask", "", null, null, replaced))).FieldErrors!["overlay_segments"][0]
            .Should().Contain("only be extended");
        (await _service.UpdateAsync(Admin, socket.Id, new SocketUpdate("Mask", "", null, null, extended))).Succeeded.Should().BeTrue();
        (await _service.GetAsync(socket.Id))!.OverlaySegments.Should().Contain("oedema");
    }

    private SocketValueService Values() => new(_db, new LocalBlobStore(new DataDirectory(_data)), new DataDirectory(_data),
        Options.Create(new ComponentsOptions()), TimeProvider.System);
}

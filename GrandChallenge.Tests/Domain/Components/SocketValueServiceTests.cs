using System.Text;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class SocketValueServiceTests : IDisposable
{
    private static readonly Actor Admin = new(Guid.NewGuid(), IsSiteAdmin: true);

    private readonly InMemoryDatabase _db = new();
    private readonly string _data = TestEnvironment.NewTempDirectory("gc-values");
    private readonly LocalBlobStore _blobs;
    private readonly ComponentsOptions _options = new();
    private readonly SocketValueService _values;
    private readonly SocketService _sockets;

    public SocketValueServiceTests()
    {
        _blobs = new LocalBlobStore(new DataDirectory(_data));
        _values = new SocketValueService(_db, _blobs, new DataDirectory(_data), Options.Create(_options), TimeProvider.System);
        _sockets = new SocketService(_db);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task The_same_value_twice_is_one_row_and_a_different_value_is_a_new_row()
    {
        var socket = await SocketAsync("Box", "2DBB", "box.json");
        var box = JsonNode.Parse(ValueSchemasTests.Examples["2DBB"]);
        var reordered = JsonNode.Parse("""
            {"version": {"minor": 0, "major": 1}, "probability": 0.95,
             "corners": [[130.8, 148.8, 0.5], [69.7, 148.8, 0.5], [69.7, 73.1, 0.5], [130.8, 73.1, 0.5]],
             "type": "2D bounding box", "name": "Region of interest"}
            """);
        var other = JsonNode.Parse(ValueSchemasTests.Examples["2DBB"].Replace("0.95", "0.5"));

        var first = await _values.GetOrCreateJsonAsync(socket, box);
        var again = await _values.GetOrCreateJsonAsync(socket, reordered);
        var different = await _values.GetOrCreateJsonAsync(socket, other);

        first.Succeeded.Should().BeTrue(first.Error);
        again.Value!.Id.Should().Be(first.Value!.Id);
        different.Value!.Id.Should().NotBe(first.Value.Id);
        first.Value.Value.Should().StartWith("""{"corners":[[130.8,148.8,0.5]""");
        first.Value.ValueHash.Should().Be(CanonicalJson.Hash(first.Value.Value!));
        _db.CreateDbContext().SocketValues.Count().Should().Be(2);
    }

    [Fact]
    public async Task Values_are_per_socket_and_null_and_numbers_keep_their_type()
    {
        var a = await SocketAsync("A", "JSON", "a.json");
        var b = await SocketAsync("B", "JSON", "b.json");

        var nullA = await _values.GetOrCreateJsonAsync(a, null);
        var nullB = await _values.GetOrCreateJsonAsync(b, null);
        var integer = await _values.GetOrCreateJsonAsync(a, JsonNode.Parse("42"));
        var floating = await _values.GetOrCreateJsonAsync(a, JsonNode.Parse("42.0"));

        nullA.Value!.Value.Should().Be("null");
        nullB.Value!.Id.Should().NotBe(nullA.Value.Id);
        floating.Value!.Id.Should().NotBe(integer.Value!.Id);
        floating.Value.Value.Should().Be("42.0");
    }

    [Fact]
    public async Task An_invalid_value_is_refused_and_nothing_is_stored()
    {
        var socket = await SocketAsync("Count", "INT", "count.json", schema: """{"minimum": 1}""");

        var wrongType = await _values.GetOrCreateJsonAsync(socket, JsonValue.Create("three"));
        var tooSmall = await _values.GetOrCreateJsonAsync(socket, JsonValue.Create(0));

        var notFinite = await _values.GetOrCreateJsonAsync(await SocketAsync("Ratio", "FLT", "ratio.json"), JsonValue.Create(double.NaN));

        notFinite.Error.Should().StartWith("The value is not valid JSON.");
        wrongType.Error.Should().StartWith("JSON does not fulfill schema:");
        tooSmall.Error.Should().Contain("(root)");
        _db.CreateDbContext().SocketValues.Should().BeEmpty();
    }

    [Fact]
    public async Task A_json_socket_that_does_not_store_in_the_database_keeps_its_value_as_a_file_and_reuses_it()
    {
        var socket = await SocketAsync("Points", "MPOI", "annotations/points.json");
        var points = JsonNode.Parse(ValueSchemasTests.Examples["MPOI"]);

        var first = await _values.GetOrCreateJsonAsync(socket, points);
        var again = await _values.GetOrCreateJsonAsync(socket, JsonNode.Parse(ValueSchemasTests.Examples["MPOI"]));

        first.Succeeded.Should().BeTrue(first.Error);
        var value = first.Value!;
        value.Value.Should().BeNull();
        value.FileName.Should().Be("points.json");
        value.BlobKey.Should().Be($"components/values/{value.Id}/points.json");
        again.Value!.Id.Should().Be(value.Id);
        var canonical = CanonicalJson.Canonicalise(ValueSchemasTests.Examples["MPOI"]);
        value.SizeInStorage.Should().Be(Encoding.UTF8.GetByteCount(canonical));
        using var reader = new StreamReader(_values.OpenFile(value));
        (await reader.ReadToEndAsync()).Should().Be(canonical);
    }

    [Fact]
    public async Task Files_are_checked_by_name_and_content_and_stored_under_the_sockets_file_name()
    {
        var socket = await SocketAsync("Report", "PDF", "reports/report.pdf");

        var pdf = await _values.CreateFileAsync(socket, Bytes("%PDF-1.7\n...%%EOF"), "scan report.PDF");
        var wrongName = await _values.CreateFileAsync(socket, Bytes("%PDF-1.7"), "report.docx");
        var notPdf = await _values.CreateFileAsync(socket, Bytes("hello"), "report.pdf");
        var empty = await _values.CreateFileAsync(socket, new MemoryStream(), "report.pdf");

        pdf.Succeeded.Should().BeTrue(pdf.Error);
        pdf.Value!.BlobKey.Should().Be($"components/values/{pdf.Value.Id}/report.pdf");
        pdf.Value.SizeInStorage.Should().Be(17);
        _blobs.Exists(pdf.Value.BlobKey!).Should().BeTrue();
        wrongName.Error.Should().Contain(".pdf");
        notPdf.Error.Should().Contain("not a PDF");
        empty.Error.Should().Contain("empty");
        _db.CreateDbContext().SocketValues.Count().Should().Be(1);
        Directory.GetFiles(Path.Combine(_data, "tmp")).Should().BeEmpty("spooled uploads are removed");
    }

    [Theory]
    [InlineData("PNG", "thumb.png", new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0 }, true)]
    [InlineData("PNG", "thumb.png", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, false)]
    [InlineData("JPEG", "thumb.jpg", new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, true)]
    [InlineData("ZIP", "predictions.zip", new byte[] { 0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true)]
    [InlineData("ZIP", "predictions.zip", new byte[] { 0x1F, 0x8B, 0x08 }, false)]
    [InlineData("MP4", "video.mp4", new byte[] { 0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6D, 0x70, 0x34, 0x32 }, true)]
    [InlineData("CSV", "predictions.csv", new byte[] { 0x61, 0x2C, 0x62, 0x0A }, true)]
    [InlineData("CSV", "predictions.csv", new byte[] { 0x61, 0x00, 0x62 }, false)]
    [InlineData("NEWCK", "tree.nwk", new byte[] { 0x28, 0x41, 0x2C, 0x42, 0x29, 0x3B }, true)]
    [InlineData("NEWCK", "tree.newick", new byte[] { 0x28, 0x41, 0x2C, 0x42, 0x3B }, false)]
    [InlineData("NEWCK", "tree.newick", new byte[] { 0x41, 0x42 }, false)]
    [InlineData("OBJ", "mesh.obj", new byte[] { 0x76, 0x20, 0x31 }, true)]
    public async Task File_kinds_recognise_their_content(string kind, string name, byte[] content, bool accepted)
    {
        var socket = await SocketAsync("File", kind, $"file{SocketKinds.Get(kind).Extension}");

        var result = await _values.CreateFileAsync(socket, new MemoryStream(content), name);

        result.Succeeded.Should().Be(accepted, result.Error);
    }

    [Fact]
    public async Task A_json_file_for_a_value_socket_becomes_a_value_and_bad_json_files_are_explained()
    {
        var socket = await SocketAsync("Metrics", "JSON", "metrics-x.json");
        var asValue = await _values.GetOrCreateJsonAsync(socket, JsonNode.Parse("""{"auc": 0.9}"""));

        var fromFile = await _values.CreateFileAsync(socket, Bytes("{ \"auc\" : 0.9 }"), "metrics.json");
        var broken = await _values.CreateFileAsync(socket, Bytes("{\"auc\": "), "metrics.json");
        var notUtf8 = await _values.CreateFileAsync(socket, new MemoryStream([0x22, 0xC3, 0x28, 0x22]), "metrics.json");

        fromFile.Value!.Id.Should().Be(asValue.Value!.Id);
        broken.Error.Should().StartWith("The file is not valid JSON.");
        notUtf8.Error.Should().Contain("could not be decoded");
    }

    [Fact]
    public async Task Files_over_the_size_limit_are_refused()
    {
        _options.MaxFileBytes = 10;
        var socket = await SocketAsync("Table", "CSV", "table.csv");

        var result = await _values.CreateFileAsync(socket, Bytes("a,b,c\n1,2,3\n"), "table.csv");

        result.Error.Should().Contain("too large");
        _db.CreateDbContext().SocketValues.Should().BeEmpty();
    }

    [Fact]
    public async Task Images_are_shared_per_socket_and_only_image_sockets_take_them()
    {
        var socket = await SocketAsync("Scan", "IMG", "images/scan");
        var text = await SocketAsync("Text", "STR", "text.json");
        var imageId = await _db.AddImageAsync();

        var first = await _values.GetOrCreateImageAsync(socket, imageId);
        var again = await _values.GetOrCreateImageAsync(socket, imageId);

        again.Value!.Id.Should().Be(first.Value!.Id);
        (await _values.GetOrCreateImageAsync(socket, Guid.Empty)).Error.Should().Be("Image must be set.");
        (await _values.GetOrCreateImageAsync(text, imageId)).Error.Should().Contain("does not take image values");
        (await _values.GetOrCreateJsonAsync(socket, JsonValue.Create(1))).Error.Should().Contain("does not take json values");
        (await _values.CreateFileAsync(socket, Bytes("x"), "x.mha")).Error.Should().Contain("imported");
    }

    [Fact]
    public async Task A_stored_value_cannot_be_changed_through_ef()
    {
        var socket = await SocketAsync("Note", "STR", "note.json");
        var stored = (await _values.GetOrCreateJsonAsync(socket, JsonValue.Create("original"))).Value!;

        await using (var db = _db.CreateDbContext())
        {
            var value = await db.SocketValues.SingleAsync(v => v.Id == stored.Id);
            value.Value = "\"changed\"";
            value.ValueHash = CanonicalJson.Hash("\"changed\"");

            var save = () => db.SaveChangesAsync();

            await save.Should().ThrowAsync<InvalidOperationException>().WithMessage("*read-only after it has been saved*");
        }

        await using (var db = _db.CreateDbContext())
        {
            var value = await db.SocketValues.SingleAsync(v => v.Id == stored.Id);
            value.ImageId = Guid.NewGuid();

            var save = () => db.SaveChangesAsync();

            await save.Should().ThrowAsync<InvalidOperationException>();
        }

        (await _db.CreateDbContext().SocketValues.SingleAsync(v => v.Id == stored.Id)).Value.Should().Be("\"original\"");
    }

    [Fact]
    public async Task The_database_refuses_a_value_that_is_two_things_at_once()
    {
        var socket = await SocketAsync("Note", "STR", "note.json");
        await using var db = _db.CreateDbContext();
        db.SocketValues.Add(new SocketValue { SocketId = socket.Id, Value = "1", ImageId = Guid.NewGuid() });

        var save = () => db.SaveChangesAsync();

        await save.Should().ThrowAsync<DbUpdateException>();
    }

    private async Task<Socket> SocketAsync(string title, string kind, string path, string? schema = null)
    {
        var overlay = kind == "SEG" ? """[{"name": "a", "visible": true, "voxel_value": 1}]""" : null;
        var result = await _sockets.CreateAsync(Admin, new SocketDraft(title, kind, path, Schema: schema, OverlaySegments: overlay));
        return result.Value ?? throw new InvalidOperationException(result.Error);
    }

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));
}

using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class SocketOutputReaderTests : IDisposable
{
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-outputs");
    private readonly string _output;
    private readonly ComponentsOptions _options = new();
    private readonly SocketOutputReader _reader;

    public SocketOutputReaderTests()
    {
        _output = Directory.CreateDirectory(Path.Combine(_root, "output")).FullName;
        _reader = new SocketOutputReader(Options.Create(_options));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Socket Socket(string kind, string path, string? schema = null, bool store = true) =>
        new() { Id = 1, Title = path, Slug = path, Kind = kind, RelativePath = path, Schema = schema, StoreInDatabase = store };

    private void Write(string path, string content)
    {
        var full = Path.Combine(_output, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    [Fact]
    public void Json_outputs_are_read_with_nan_and_infinity_as_null_and_validated()
    {
        Write("metrics.json", """{"aggregates": {"dice": NaN, "hd": Infinity, "worst": -Infinity, "mean": 0.5}}""");
        Write("sub/score.json", "0.75");

        var outputs = _reader.Read(_output, [Socket("JSON", "metrics.json"), Socket("FLT", "sub/score.json")]);

        outputs.Should().AllSatisfy(o => o.Error.Should().BeNull());
        outputs[0].Value!.ToJsonString().Should().Be("""{"aggregates":{"dice":null,"hd":null,"mean":0.5,"worst":null}}""");
        outputs[1].Value!.GetValue<decimal>().Should().Be(0.75m);
    }

    [Fact]
    public void A_json_null_output_is_a_value_not_an_error()
    {
        Write("anything.json", "NaN");

        var output = _reader.Read(_output, Socket("JSON", "anything.json"));

        output.Succeeded.Should().BeTrue();
        output.Value.Should().BeNull();
    }

    [Fact]
    public void Json_output_errors_say_what_is_wrong()
    {
        Write("broken.json", "{\"a\": ");
        File.WriteAllBytes(Path.Combine(_output, "bad-utf8.json"), [0x22, 0xC3, 0x28, 0x22]);
        Write("count.json", "\"three\"");
        Write("box.json", """{"type": "2D bounding box", "corners": [], "version": {"major": 1, "minor": 0}}""");
        Write("big.json", new string(' ', 100) + "1");
        _options.MaxJsonBytes = 100;

        string Error(Socket socket) => _reader.Read(_output, socket).Error!;

        Error(Socket("JSON", "missing.json")).Should().Be("Output file 'missing.json' was not produced");
        Error(Socket("JSON", "broken.json")).Should().Be("Output file 'broken.json' is not valid json");
        Error(Socket("JSON", "bad-utf8.json")).Should().Be("Output file 'bad-utf8.json' is not valid json");
        Error(Socket("INT", "count.json")).Should().StartWith("Output file 'count.json' is not valid. JSON does not fulfill schema: (root)");
        Error(Socket("2DBB", "box.json")).Should().StartWith("Output file 'box.json' is not valid. JSON does not fulfill schema: /corners");
        Error(Socket("INT", "big.json")).Should().Be("Output file 'big.json' is too large");
    }

    [Fact]
    public void A_socket_schema_applies_to_outputs_too()
    {
        Write("probability.json", "1.5");

        _reader.Read(_output, Socket("FLT", "probability.json", schema: """{"maximum": 1}""")).Error.Should().Contain("is not valid.");
    }

    [Fact]
    public void File_outputs_must_exist_and_look_like_their_kind()
    {
        File.WriteAllBytes(Path.Combine(_output, "thumb.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1]);
        Write("fake.png", "not a png");
        Directory.CreateDirectory(Path.Combine(_output, "folder.csv"));

        _reader.Read(_output, Socket("PNG", "thumb.png")).FilePath.Should().Be(Path.Combine(_output, "thumb.png"));
        _reader.Read(_output, Socket("PNG", "fake.png")).Error.Should().Be("Output file 'fake.png' is not valid. The file is not a PNG image.");
        _reader.Read(_output, Socket("PDF", "report.pdf")).Error.Should().Be("Output file 'report.pdf' was not produced");
        _reader.Read(_output, Socket("CSV", "folder.csv")).Error.Should().Contain("is a directory");
    }

    [Fact]
    public void An_image_output_is_the_single_image_in_its_folder()
    {
        Write("images/ct/output.mha", "ObjectType = Image");
        Write("images/tiled/slide.tif", "II*");
        Write("images/pair/scan.mhd", "ElementDataFile = scan.zraw");
        Write("images/pair/scan.zraw", "...");

        var outputs = _reader.Read(_output, [Socket("IMG", "images/ct"), Socket("HMAP", "images/tiled"), Socket("SEG", "images/pair")]);

        outputs.Should().AllSatisfy(o => o.Error.Should().BeNull());
        outputs[0].FilePath.Should().Be(Path.Combine(_output, "images/ct/output.mha"));
        outputs[1].FilePath.Should().EndWith("slide.tif");
        outputs[2].FilePath.Should().EndWith("scan.mhd");
        outputs[2].ImageFiles.Should().HaveCount(2).And.Contain(f => f.EndsWith("scan.zraw"));
    }

    [Fact]
    public void Image_output_errors_say_what_is_wrong()
    {
        Write("images/two/a.mha", "x");
        Write("images/two/b.tiff", "x");
        Directory.CreateDirectory(Path.Combine(_output, "images/empty"));
        Write("images/notes/readme.txt", "x");
        for (var i = 0; i < 4; i++)
        {
            Write($"images/many/{i}.raw", "x");
        }

        _options.MaxOutputImageFiles = 3;

        _reader.Read(_output, Socket("IMG", "images/two")).Error.Should().Be("Only 1 image should be produced in 'images/two', found 2");
        _reader.Read(_output, Socket("IMG", "images/empty")).Error.Should().Be("Output directory 'images/empty' is empty");
        _reader.Read(_output, Socket("IMG", "images/absent")).Error.Should().Be("Output directory 'images/absent' is empty");
        _reader.Read(_output, Socket("IMG", "images/notes")).Error.Should().StartWith("No output images could be imported from 'images/notes'");
        _reader.Read(_output, Socket("IMG", "images/many")).Error.Should().Be("Too many files produced in 'images/many'");
    }

    [Fact]
    public void The_legacy_image_socket_with_an_empty_path_reads_the_top_of_the_output_folder()
    {
        Write("result.mha", "x");
        Write("results.json", "{}");
        Write("images/other/b.mha", "x");

        var output = _reader.Read(_output, Socket("IMG", ""));

        output.Error.Should().BeNull();
        output.FilePath.Should().Be(Path.Combine(_output, "result.mha"));
    }

    [Fact]
    public void Symbolic_links_are_never_followed()
    {
        var secret = Path.Combine(_root, "secret.json");
        File.WriteAllText(secret, "{\"password\": 1}");
        File.CreateSymbolicLink(Path.Combine(_output, "results.json"), secret);
        Directory.CreateDirectory(Path.Combine(_root, "elsewhere"));
        File.WriteAllText(Path.Combine(_root, "elsewhere", "metrics.json"), "{}");
        Directory.CreateSymbolicLink(Path.Combine(_output, "linked"), Path.Combine(_root, "elsewhere"));
        Write("images/ct/a.mha", "x");
        File.CreateSymbolicLink(Path.Combine(_output, "images/ct/b.mha"), secret);
        Directory.CreateSymbolicLink(Path.Combine(_output, "images/scan"), Path.Combine(_output, "images/ct"));

        _reader.Read(_output, Socket("JSON", "results.json")).Error.Should().Contain("symbolic link");
        _reader.Read(_output, Socket("JSON", "linked/metrics.json")).Error.Should().Contain("symbolic link");
        _reader.Read(_output, Socket("IMG", "images/ct")).Error.Should().Contain("symbolic link");
        _reader.Read(_output, Socket("IMG", "images/scan")).Error.Should().Contain("symbolic link");
    }

    [Fact]
    public void Paths_that_leave_the_output_folder_are_refused()
    {
        File.WriteAllText(Path.Combine(_root, "escape.json"), "{}");

        // A socket's own path can never look like this (the path rules forbid it); the reader checks anyway.
        _reader.Read(_output, Socket("JSON", "../escape.json")).Error.Should().Be("Output file '../escape.json' is outside the output folder");
        _reader.Read(_output, Socket("JSON", "a/../../escape.json")).Error.Should().Contain("outside the output folder");
        _reader.Read(_output, Socket("IMG", "images/../../x")).Error.Should().Contain("outside the output folder");
    }
}

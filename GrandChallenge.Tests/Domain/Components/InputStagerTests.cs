using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using GrandChallenge.Domain.Components;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
[UnsupportedOSPlatform("windows")]
public sealed class InputStagerTests : IDisposable
{
    private const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode755 = Mode644 | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly string _root = TestEnvironment.NewTempDirectory("gc-stage");
    private readonly string _input;
    private readonly LocalBlobStore _blobs;
    private readonly ComponentsOptions _options = new();
    private readonly InputStager _stager;

    public InputStagerTests()
    {
        _input = Path.Combine(_root, "job", "input");
        _blobs = new LocalBlobStore(new DataDirectory(Path.Combine(_root, "data")));
        _stager = new InputStager(_blobs, Options.Create(_options));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Each_input_lands_at_its_relative_path_readable_by_anyone_and_inputs_json_comes_last()
    {
        var imageFile = Path.Combine(_root, "d2856bc1.mha");
        await File.WriteAllTextAsync(imageFile, "ObjectType = Image");
        var inputs = InputsJsonWriterTests.Inputs(imageFile);
        await _blobs.WriteAsync(inputs[1].Value.BlobKey!, new MemoryStream("%PDF-1.7"u8.ToArray()));
        await _blobs.WriteAsync(inputs[3].Value.BlobKey!, new MemoryStream("{\"points\":[]}"u8.ToArray()));

        await _stager.StageAsync(_input, inputs);

        (await File.ReadAllTextAsync(Path.Combine(_input, "lesion-count.json"))).Should().Be("3");
        (await File.ReadAllTextAsync(Path.Combine(_input, "files/report.pdf"))).Should().Be("%PDF-1.7");
        (await File.ReadAllTextAsync(Path.Combine(_input, "images/mask/d2856bc1.mha"))).Should().Be("ObjectType = Image");
        (await File.ReadAllTextAsync(Path.Combine(_input, "points.json"))).Should().Be("{\"points\":[]}");
        (await File.ReadAllTextAsync(Path.Combine(_input, "inputs.json"))).Should().Be(InputsJsonWriter.ToJson(inputs));

        foreach (var file in Directory.EnumerateFiles(_input, "*", SearchOption.AllDirectories))
        {
            File.GetUnixFileMode(file).Should().Be(Mode644, file);
        }

        foreach (var directory in Directory.EnumerateDirectories(_input, "*", SearchOption.AllDirectories).Append(_input))
        {
            File.GetUnixFileMode(directory).Should().Be(Mode755, directory);
        }
    }

    [Fact]
    public async Task The_legacy_image_socket_puts_its_image_directly_in_the_input_folder()
    {
        var imageFile = Path.Combine(_root, "scan.mha");
        await File.WriteAllTextAsync(imageFile, "x");
        var id = Guid.NewGuid();
        var socket = new Socket { Id = 1, Title = "Generic Medical Image", Slug = "generic-medical-image", Kind = "IMG", RelativePath = "" };

        await _stager.StageAsync(_input, [new StagedInput(socket, new SocketValue { Id = 1, SocketId = 1, ImageId = id }, new InputImage(id, "scan", imageFile))]);

        File.Exists(Path.Combine(_input, "scan.mha")).Should().BeTrue();
    }

    [Fact]
    public async Task A_zip_input_is_unpacked_without_its_common_folder_and_junk()
    {
        var input = await ZipInputAsync(
            ("predictions/case1.json", "{}"),
            ("predictions/sub/case2.json", "[]"),
            ("predictions/.DS_Store", "junk"),
            ("__MACOSX/predictions/._case1.json", "junk"),
            ("predictions/desktop.ini", "junk"));

        await _stager.StageAsync(_input, [input]);

        Directory.EnumerateFiles(_input, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_input, f))
            .Should().BeEquivalentTo("case1.json", "sub/case2.json", "inputs.json");
        File.Exists(Path.Combine(_input, "predictions.zip")).Should().BeFalse("the archive itself is not staged");
        File.GetUnixFileMode(Path.Combine(_input, "sub/case2.json")).Should().Be(Mode644);
        File.GetUnixFileMode(Path.Combine(_input, "sub")).Should().Be(Mode755);
    }

    [Theory]
    [InlineData("../evil.json", "not a plain relative path")]
    [InlineData("a/../../evil.json", "not a plain relative path")]
    [InlineData("/etc/evil.json", "not a plain relative path")]
    [InlineData("C:/evil.json", "not a plain relative path")]
    [InlineData("..\\evil.json", "not a plain relative path")]
    [InlineData("inputs.json", "reserves for its own file")]
    [InlineData("INPUTS.JSON", "reserves for its own file")]
    public async Task Zip_entries_that_escape_or_clash_are_refused(string name, string expected)
    {
        var input = await ZipInputAsync((name, "{}"), ("other.json", "{}"));

        var act = () => _stager.StageAsync(_input, [input]);

        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain(expected);
        File.Exists(Path.Combine(_root, "job", "evil.json")).Should().BeFalse();
    }

    [Fact]
    public async Task The_reserved_name_is_found_after_the_common_folder_is_dropped()
    {
        var input = await ZipInputAsync(("results/inputs.json", "[]"), ("results/case.json", "{}"));

        var act = () => _stager.StageAsync(_input, [input]);

        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("results/inputs.json");
    }

    [Fact]
    public async Task A_zip_entry_that_clashes_with_another_input_is_refused()
    {
        var zip = await ZipInputAsync(("lesion-count.json", "99"));
        var value = InputsJsonWriterTests.Inputs()[0];

        var act = () => _stager.StageAsync(_input, [value, zip]);

        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("lesion-count.json");
        (await File.ReadAllTextAsync(Path.Combine(_input, "lesion-count.json"))).Should().Be("3");
    }

    [Fact]
    public async Task A_symbolic_link_in_a_zip_is_refused()
    {
        var input = await ZipInputAsync(entry => entry.ExternalAttributes = (0xA000 | 0x1FF) << 16, ("link.json", "/etc/passwd"));

        var act = () => _stager.StageAsync(_input, [input]);

        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("symbolic link");
    }

    [Fact]
    public async Task Zip_bombs_and_overfull_archives_are_refused()
    {
        var bomb = await ZipInputAsync(("zeros.bin", new string('0', 4 << 20)));
        var act = () => _stager.StageAsync(Path.Combine(_root, "a"), [bomb]);
        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("compressed more than 200:1");

        _options.MaxZipEntries = 2;
        var many = await ZipInputAsync(("1.json", "1"), ("2.json", "2"), ("3.json", "3"));
        act = () => _stager.StageAsync(Path.Combine(_root, "b"), [many]);
        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("at most 2");

        _options.MaxZipEntries = 100;
        _options.MaxZipBytes = 10;
        var large = await ZipInputAsync(("big.csv", "a,b,c,d,e,f,g\n"));
        act = () => _stager.StageAsync(Path.Combine(_root, "c"), [large]);
        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().Contain("at most 10");
    }

    [Fact]
    public async Task A_corrupt_zip_is_explained()
    {
        var socket = new Socket { Id = 5, Title = "Predictions ZIP File", Slug = "predictions-zip-file", Kind = "ZIP", RelativePath = "predictions.zip" };
        var value = new SocketValue { Id = 55, SocketId = 5, FileName = "predictions.zip" };
        await _blobs.WriteAsync(value.BlobKey!, new MemoryStream("PK\u0003\u0004 not really"u8.ToArray()));

        var act = () => _stager.StageAsync(_input, [new StagedInput(socket, value)]);

        (await act.Should().ThrowAsync<InputStagingException>()).Which.Message.Should().StartWith("The zip file could not be read");
    }

    private Task<StagedInput> ZipInputAsync(params (string Name, string Content)[] entries) => ZipInputAsync(null, entries);

    private async Task<StagedInput> ZipInputAsync(Action<ZipArchiveEntry>? configure, params (string Name, string Content)[] entries)
    {
        var socket = new Socket { Id = 5, Title = "Predictions ZIP File", Slug = "predictions-zip-file", Kind = "ZIP", RelativePath = "predictions.zip" };
        var value = new SocketValue { Id = 55, SocketId = 5, FileName = "predictions.zip" };
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
                configure?.Invoke(entry);
                await using var stream = entry.Open();
                await stream.WriteAsync(Encoding.UTF8.GetBytes(content));
            }
        }

        buffer.Position = 0;
        await _blobs.WriteAsync(value.BlobKey!, buffer);
        return new StagedInput(socket, value);
    }
}

/// <summary>Runs alone (it changes the process umask), after the parallel tests.</summary>
[CollectionDefinition(nameof(ProcessUmask), DisableParallelization = true)]
public sealed class ProcessUmask;

[Trait("Category", "Unit")]
[Collection(nameof(ProcessUmask))]
[UnsupportedOSPlatform("windows")]
public sealed class InputStagerUmaskTests : IDisposable
{
    private readonly string _root = TestEnvironment.NewTempDirectory("gc-umask");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Modes_are_0755_and_0644_even_under_a_restrictive_umask()
    {
        var blobs = new LocalBlobStore(new DataDirectory(Path.Combine(_root, "data")));
        var inputs = InputsJsonWriterTests.Inputs(Path.Combine(_root, "scan.mha"));
        await File.WriteAllTextAsync(inputs[2].Image!.FilePath, "x");
        await blobs.WriteAsync(inputs[1].Value.BlobKey!, new MemoryStream("%PDF-1.7"u8.ToArray()));
        await blobs.WriteAsync(inputs[3].Value.BlobKey!, new MemoryStream("{}"u8.ToArray()));
        var input = Path.Combine(_root, "input");

        var previous = Umask(0b000_111_111);
        try
        {
            await new InputStager(blobs, Options.Create(new ComponentsOptions())).StageAsync(input, inputs);
        }
        finally
        {
            Umask(previous);
        }

        File.GetUnixFileMode(Path.Combine(input, "files")).Should().Be(InputStager.DirectoryMode);
        File.GetUnixFileMode(Path.Combine(input, "images/mask")).Should().Be(InputStager.DirectoryMode);
        File.GetUnixFileMode(Path.Combine(input, "files/report.pdf")).Should().Be(InputStager.FileMode);
        File.GetUnixFileMode(Path.Combine(input, "inputs.json")).Should().Be(InputStager.FileMode);
        ((int)InputStager.DirectoryMode).Should().Be(0b111_101_101);
        ((int)InputStager.FileMode).Should().Be(0b110_100_100);
    }

    [DllImport("libc", EntryPoint = "umask")]
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in the test project for one call.
    private static extern uint Umask(uint mask);
#pragma warning restore SYSLIB1054
}

using System.Formats.Tar;
using System.IO.Compression;
using FluentAssertions;
using GrandChallenge.Domain.Imaging.Import;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Tests.Domain.Imaging.Import;

public sealed class ImageUnpackerTests : IDisposable
{
    private readonly string _dir = TestImages.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ImageUnpacker Unpacker(ImageImportOptions? options = null) => new(Options.Create(options ?? new ImageImportOptions()));

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(content);
            }
        }

        return ms.ToArray();
    }

    private ImportFile Input(string name, byte[] content)
    {
        var path = Path.Combine(_dir, "input", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return new ImportFile(path, name);
    }

    private UnpackResult Unpack(ImageUnpacker unpacker, params ImportFile[] files) => unpacker.Unpack(files, _dir, default);

    [Fact]
    public void Plain_files_pass_through_unchanged()
    {
        var file = Input("a.mha", [1, 2, 3]);

        var result = Unpack(Unpacker(), file);

        result.Files.Should().Equal(file);
        result.FileErrors.Should().BeEmpty();
    }

    [Fact]
    public void Nested_zips_are_unpacked_and_named_by_their_path()
    {
        var inner = Zip(("deep/b.png", [4, 5]));
        var outer = Zip(("a.mha", [1, 2, 3]), ("series/inner.zip", inner));

        var result = Unpack(Unpacker(), Input("upload.zip", outer));

        result.FileErrors.Should().BeEmpty();
        result.Files.Select(f => f.Name).Should().BeEquivalentTo(["upload.zip/a.mha", "upload.zip/series/inner.zip/deep/b.png"]);
        File.ReadAllBytes(result.Files.Single(f => f.Name.EndsWith("b.png", StringComparison.Ordinal)).Path).Should().Equal(4, 5);
        result.Files.Should().OnlyContain(f => f.Path.StartsWith(_dir, StringComparison.Ordinal));
    }

    [Fact]
    public void Tar_gz_is_unpacked()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "dir/c.nii") { DataStream = new MemoryStream([9, 9, 9]) });
        }

        var result = Unpack(Unpacker(), Input("scans.tar.gz", ms.ToArray()));

        result.FileErrors.Should().BeEmpty();
        result.Files.Should().ContainSingle().Which.Name.Should().Be("scans.tar.gz/dir/c.nii");
    }

    [Fact]
    public void Zip_bomb_is_refused_and_nothing_of_it_kept()
    {
        var bomb = Zip(("zeros.raw", new byte[20 << 20]));
        var good = Input("good.mha", [1]);

        var result = Unpack(Unpacker(), Input("bomb.zip", bomb), good);

        result.FileErrors.Should().ContainKey("bomb.zip").WhoseValue.Should().Contain("zip bomb");
        result.Files.Should().Equal(good);
        Directory.EnumerateFiles(Path.Combine(_dir, "unpacked"), "*", SearchOption.AllDirectories).Should().BeEmpty();
    }

    [Fact]
    public void Total_unpacked_size_is_limited()
    {
        var zip = Zip(("a.raw", new byte[3000]), ("b.raw", new byte[3000]));

        var result = Unpack(Unpacker(new ImageImportOptions { MaxUnpackedBytes = 4000 }), Input("big.zip", zip));

        result.FileErrors["big.zip"].Should().Contain("more than");
        result.Files.Should().BeEmpty();
    }

    [Theory]
    [InlineData("../escape.mha")]
    [InlineData("a/../../escape.mha")]
    [InlineData("/etc/escape.mha")]
    [InlineData("C:/escape.mha")]
    public void Entries_that_leave_the_folder_are_refused(string entry)
    {
        var zip = Zip(("fine.mha", [1]), (entry, [2]));

        var result = Unpack(Unpacker(), Input("evil.zip", zip));

        result.FileErrors["evil.zip"].Should().Contain(entry);
        result.Files.Should().BeEmpty();
        File.Exists(Path.Combine(_dir, "escape.mha")).Should().BeFalse();
        File.Exists(Path.Combine(Path.GetDirectoryName(_dir)!, "escape.mha")).Should().BeFalse();
    }

    [Fact]
    public void Symlinks_in_zip_are_refused()
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            var link = zip.CreateEntry("link.mha");
            link.ExternalAttributes = unchecked((int)(0xA1FFu << 16)); // S_IFLNK | 0777
            using var stream = link.Open();
            stream.Write("/etc/passwd"u8);
        }

        var result = Unpack(Unpacker(), Input("links.zip", ms.ToArray()));

        result.FileErrors["links.zip"].Should().Contain("link");
        result.Files.Should().BeEmpty();
    }

    [Fact]
    public void Symlinks_in_tar_are_refused()
    {
        using var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link.mha") { LinkName = "/etc/passwd" });
        }

        var result = Unpack(Unpacker(), Input("links.tar", ms.ToArray()));

        result.FileErrors["links.tar"].Should().Contain("link");
        result.Files.Should().BeEmpty();
    }

    [Fact]
    public void Too_many_files_are_refused()
    {
        var zip = Zip([.. Enumerable.Range(0, 6).Select(i => ($"f{i}.png", new byte[] { 1 }))]);

        var result = Unpack(Unpacker(new ImageImportOptions { MaxFiles = 5 }), Input("many.zip", zip));

        result.FileErrors["many.zip"].Should().Contain("more than 5 files");
        result.Files.Should().BeEmpty();
    }

    [Fact]
    public void Corrupt_zip_is_an_error_on_the_zip()
    {
        var zip = Zip(("a.mha", new byte[1000]));

        var result = Unpack(Unpacker(), Input("broken.zip", zip[..40]));

        result.FileErrors["broken.zip"].Should().StartWith("The archive could not be unpacked");
        result.Files.Should().BeEmpty();
    }

    [Fact]
    public void Nesting_is_limited()
    {
        var zip = Zip(("a.png", [1]));
        for (var i = 0; i < 3; i++)
        {
            zip = Zip(($"level{i}.zip", zip));
        }

        var result = Unpack(Unpacker(new ImageImportOptions { MaxNesting = 2 }), Input("deep.zip", zip));

        result.FileErrors.Should().ContainSingle().Which.Value.Should().Contain("levels deep");
        result.Files.Should().BeEmpty();
    }
}

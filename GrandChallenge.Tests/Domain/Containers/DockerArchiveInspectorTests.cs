using System.Text;
using System.Text.Json.Nodes;
using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Containers;
using Microsoft.Extensions.Options;
using static GrandChallenge.Tests.Infrastructure.DockerArchives;

namespace GrandChallenge.Tests.Domain.Containers;

[Trait("Category", "Unit")]
public sealed class DockerArchiveInspectorTests
{
    private static Task<Result<DockerArchiveInspection>> InspectAsync(byte[] archive, long maxUncompressed = 1L << 30) =>
        new DockerArchiveInspector(Options.Create(new ContainerImageOptions { MaxUncompressedBytes = maxUncompressed }))
            .InspectAsync(new ForwardOnlyStream(archive));

    public static TheoryData<string> Compressions => ["tar", "tar.gz", "tar.xz"];

    private static byte[] Compress(byte[] tar, string compression) => compression switch
    {
        "tar.gz" => Gzip(tar),
        "tar.xz" => Xz(tar),
        _ => tar,
    };

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task A_valid_legacy_archive_gives_the_config_digest_platform_and_user(string compression)
    {
        var image = new Image(User: "1000:1000");

        var result = await InspectAsync(Compress(Legacy(image), compression));

        result.Error.Should().BeNull();
        result.Value!.ImageSha256.Should().Be($"sha256:{image.ConfigSha}");
        result.Value.Architecture.Should().Be("amd64");
        result.Value.Os.Should().Be("linux");
        result.Value.User.Should().Be("1000:1000");
        result.Value.RepoTags.Should().Equal("test/image:latest");
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task A_valid_oci_archive_of_docker_25_and_later_is_read_too(string compression)
    {
        var image = new Image(User: "app");

        var result = await InspectAsync(Compress(Oci(image), compression));

        result.Error.Should().BeNull();
        result.Value!.ImageSha256.Should().Be($"sha256:{image.ConfigSha}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("root")]
    [InlineData("0")]
    [InlineData("0:0")]
    [InlineData("0:1000")]
    [InlineData("root:root")]
    [InlineData(" root ")]
    public async Task Images_that_run_as_root_are_rejected(string user)
    {
        var result = await InspectAsync(Legacy(new Image(User: user)));

        result.Error.Should().Be("The container runs as root. Set a non-root USER in the Dockerfile.");
    }

    [Theory]
    [InlineData("1000")]
    [InlineData("1000:0")]
    [InlineData("app")]
    [InlineData("rootless")]
    [InlineData("10")]
    public void Non_root_users_pass(string user) => DockerArchiveInspector.IsRoot(user).Should().BeFalse();

    [Fact]
    public async Task A_config_without_a_user_runs_as_root()
    {
        var image = new Image();
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","config":{}}""");
        var entries = ReadTar(Legacy(image)).Select(e => e.Name == $"{image.ConfigSha}.json" ? ($"{Sha(config)}.json", config)
            : e.Name == "manifest.json" ? (e.Name, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(e.Data).Replace(image.ConfigSha, Sha(config))))
            : e);

        var result = await InspectAsync(Tar(entries));

        result.Error.Should().Be(DockerArchiveInspector.RunsAsRoot);
    }

    [Fact]
    public async Task An_arm64_image_is_rejected_with_its_architecture()
    {
        var result = await InspectAsync(Legacy(new Image(Architecture: "arm64")));

        result.Error.Should().Be("The container image is built for arm64; it must be linux/amd64.");
    }

    [Fact]
    public async Task A_rewritten_archive_stays_consistent_and_is_rejected_for_its_new_architecture()
    {
        var arm = WithArchitecture(Legacy(new Image()), "arm64");

        var result = await InspectAsync(arm);

        result.Error.Should().Be("The container image is built for arm64; it must be linux/amd64.");
    }

    [Fact]
    public async Task A_windows_image_is_rejected()
    {
        var result = await InspectAsync(Legacy(new Image(Os: "windows")));

        result.Error.Should().Be("The container image is built for windows/amd64; it must be linux/amd64.");
    }

    [Fact]
    public async Task An_archive_with_two_images_is_rejected()
    {
        var result = await InspectAsync(Legacy(new Image(), new Image(User: "1001")));

        result.Error.Should().Be("The container image file contains 2 images; upload exactly one.");
    }

    [Fact]
    public async Task A_tar_without_manifest_json_is_not_a_docker_save_archive()
    {
        var result = await InspectAsync(Legacy([new Image()], includeManifest: false));

        result.Error.Should().Be("The container image file is not a docker save archive: manifest.json is missing (was it created with docker save?)");
    }

    [Fact]
    public async Task Random_bytes_cannot_be_decompressed()
    {
        var result = await InspectAsync(new Random(42).GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 100_000));

        result.Error.Should().Be("Could not decompress the container image file.");
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public async Task A_truncated_archive_cannot_be_decompressed(string compression)
    {
        var big = new Image(Layer: LayerTar("data.bin", new string('x', 200_000) + Guid.NewGuid()));
        var archive = Compress(Legacy(big), compression);

        var result = await InspectAsync(archive[..(archive.Length / 2)]);

        result.Error.Should().Be("Could not decompress the container image file.");
    }

    [Theory]
    [InlineData("tar.gz", 0.2)]
    [InlineData("tar.gz", 0.5)]
    [InlineData("tar.gz", 0.8)]
    [InlineData("tar.gz", 0.99)]
    [InlineData("tar.xz", 0.3)]
    [InlineData("tar.xz", 0.7)]
    [InlineData("tar.xz", 0.99)]
    public async Task A_damaged_compressed_stream_cannot_be_decompressed(string compression, double where)
    {
        var archive = Compress(Legacy(new Image(Layer: LayerTar("data.bin", string.Concat(Enumerable.Range(0, 20_000).Select(i => i.ToString()))))), compression);
        var start = (int)(archive.Length * where);
        for (var i = start; i < Math.Min(start + 8, archive.Length - 1); i++)
        {
            archive[i] ^= 0x5a;
        }

        var result = await InspectAsync(archive);

        result.Error.Should().Be("Could not decompress the container image file.");
    }

    [Fact]
    public async Task An_empty_file_cannot_be_decompressed()
    {
        (await InspectAsync([])).Error.Should().Be(DockerArchive.CouldNotDecompress);
    }

    [Fact]
    public async Task A_configuration_that_does_not_match_its_digest_is_damaged()
    {
        var archive = Legacy([new Image()], includeManifest: true, tamperConfig: (image, _) =>
            Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(image.Config).Replace("1000", "1001")));

        var result = await InspectAsync(archive);

        result.Error.Should().Be("The image configuration in the container image file does not match its sha256 digest; the file is damaged.");
    }

    [Fact]
    public async Task A_missing_layer_makes_the_archive_incomplete()
    {
        var result = await InspectAsync(Legacy([new Image()], includeManifest: true, dropLayers: true));

        result.Error.Should().StartWith("The container image file is incomplete: layer ").And.EndWith(" named in manifest.json is missing.");
    }

    [Fact]
    public async Task An_archive_larger_than_the_limit_when_decompressed_is_rejected_before_it_is_read_to_the_end()
    {
        var big = new Image(Layer: LayerTar("zeros.bin", new string('0', 1 << 20)));

        var result = await InspectAsync(Gzip(Legacy(big)), maxUncompressed: 64 * 1024);

        result.Error.Should().Be("The container image is larger than 64 KiB when decompressed, the most this platform accepts. Make the image smaller.");
    }

    [Fact]
    public async Task A_manifest_that_is_not_json_is_reported()
    {
        var entries = ReadTar(Legacy(new Image())).Select(e => e.Name == "manifest.json" ? (e.Name, "not json"u8.ToArray()) : e);

        var result = await InspectAsync(Tar(entries));

        result.Error.Should().Be("The manifest.json of the container image file is not valid (was it created with docker save?)");
    }

    [Fact]
    public async Task Storage_failures_are_not_blamed_on_the_upload()
    {
        var inspector = new DockerArchiveInspector(Options.Create(new ContainerImageOptions()));

        var act = () => inspector.InspectAsync(new FailingStream(Legacy(new Image()), failAfter: 2048));

        await act.Should().ThrowAsync<DockerArchiveSourceException>();
    }

    [Fact]
    public async Task The_rewritten_tar_for_loading_has_no_tags_and_keeps_the_image()
    {
        var image = new Image();
        var output = new MemoryStream();

        await DockerArchiveRewriter.WriteUntaggedTarAsync(new ForwardOnlyStream(Gzip(Legacy(image))), output, 1L << 30, CancellationToken.None);

        var entries = ReadTar(output.ToArray());
        entries.Select(e => e.Name).Should().NotContain("repositories");
        var manifest = JsonNode.Parse(entries.Single(e => e.Name == "manifest.json").Data)!.AsArray();
        manifest.Should().ContainSingle();
        manifest[0]!["RepoTags"].Should().BeNull();
        entries.Single(e => e.Name.EndsWith("layer.tar")).Data.Should().Equal(image.LayerBytes);
        (await InspectAsync(output.ToArray())).Value!.ImageSha256.Should().Be($"sha256:{image.ConfigSha}");
    }

    [Fact]
    public async Task The_rewritten_tar_streams_from_an_unseekable_source_into_an_unseekable_pipe_as_it_does_to_the_engine()
    {
        var image = new Image(Layer: LayerTar("big.bin", new string('z', 300_000)));
        var pipe = new System.IO.Pipelines.Pipe();
        var received = new MemoryStream();
        var reader = pipe.Reader.AsStream().CopyToAsync(received);

        await DockerArchiveRewriter.WriteUntaggedTarAsync(new ForwardOnlyStream(Legacy(image)), pipe.Writer.AsStream(), 1L << 30, CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        await reader;

        ReadTar(received.ToArray()).Single(e => e.Name.EndsWith("layer.tar")).Data.Should().Equal(image.LayerBytes);
    }

    [Fact]
    public async Task The_rewritten_oci_tar_loses_the_image_name_annotations()
    {
        var output = new MemoryStream();

        await DockerArchiveRewriter.WriteUntaggedTarAsync(new ForwardOnlyStream(Oci(new Image())), output, 1L << 30, CancellationToken.None);

        var index = Encoding.UTF8.GetString(ReadTar(output.ToArray()).Single(e => e.Name == "index.json").Data);
        index.Should().NotContain("io.containerd.image.name").And.NotContain("org.opencontainers.image.ref.name").And.Contain("manifests");
    }

    /// <summary>Like a network or pipe stream: no seeking, no length; proves the inspector streams.</summary>
    private class ForwardOnlyStream(byte[] data) : ReadOnlyStream
    {
        private readonly MemoryStream _inner = new(data);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);
    }

    private sealed class FailingStream(byte[] data, int failAfter) : ForwardOnlyStream(data)
    {
        private int _read;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _read += buffer.Length;
            return _read > failAfter ? throw new IOException("disk went away") : base.ReadAsync(buffer, cancellationToken);
        }

        public override int Read(Span<byte> buffer)
        {
            _read += buffer.Length;
            return _read > failAfter ? throw new IOException("disk went away") : base.Read(buffer);
        }
    }
}

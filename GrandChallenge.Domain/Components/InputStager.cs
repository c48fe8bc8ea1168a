using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Common.Storage;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Components;

/// <summary>A job's input cannot be staged for a reason the user can act on (a bad zip, clashing files).</summary>
public sealed class InputStagingException(string message) : DomainException(message);

/// <summary>
/// Lays out a job's inputs in a host folder that is mounted read-only as the container's <c>/input</c>: each value at
/// <c>&lt;relative_path&gt;</c> (JSON values as JSON, files copied from the blob store, images as
/// <c>&lt;relative_path&gt;/&lt;file name&gt;</c>), a ZIP input unpacked into the folder it would sit in, and
/// <c>inputs.json</c> last. Folders are 0755 and files 0644 so that the container's non-root user can read them.
/// </summary>
public sealed class InputStager(IBlobStore blobs, IOptions<ComponentsOptions> options)
{
    public const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public async Task StageAsync(string directory, IReadOnlyList<StagedInput> inputs, CancellationToken ct = default)
    {
        var duplicate = inputs.GroupBy(i => i.Socket.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Socket '{duplicate.First().Socket.Slug}' has more than one input value.");
        }

        EnsureDirectory(directory);
        foreach (var input in inputs.Where(i => i.Socket.Kind != SocketKinds.Zip))
        {
            if (input.Value.SocketId != input.Socket.Id)
            {
                throw new InvalidOperationException($"Value {input.Value.Id} does not belong to socket '{input.Socket.Slug}'.");
            }

            await StageOneAsync(directory, input, ct);
        }

        foreach (var input in inputs.Where(i => i.Socket.Kind == SocketKinds.Zip))
        {
            var target = TargetPath(directory, input.Socket.RelativePath);
            var destination = Path.GetDirectoryName(target)!;
            var reserved = Path.GetFullPath(destination) == Path.GetFullPath(directory) ? [InputsJsonWriter.FileName] : Array.Empty<string>();
            await using var archive = blobs.OpenRead(BlobKeyOf(input));
            await new ZipInputExtractor(options.Value).ExtractAsync(archive, destination, reserved, ct);
        }

        var inputsJson = Path.Combine(directory, InputsJsonWriter.FileName);
        await using (var file = CreateFile(inputsJson, input: "inputs.json"))
        {
            InputsJsonWriter.Write(file, inputs);
        }
    }

    private async Task StageOneAsync(string directory, StagedInput input, CancellationToken ct)
    {
        var (socket, value, image) = input;
        if (value.ImageId is not null)
        {
            if (image is null || image.Id != value.ImageId)
            {
                throw new InvalidOperationException($"The image file of value {value.Id} ('{socket.Slug}') was not supplied.");
            }

            var folder = socket.RelativePath.Length == 0 ? directory : TargetPath(directory, socket.RelativePath);
            EnsureDirectory(folder);
            await using var source = File.OpenRead(image.FilePath);
            await using var destination = CreateFile(Path.Combine(folder, Path.GetFileName(image.FilePath)), socket.Slug);
            await source.CopyToAsync(destination, ct);
            return;
        }

        var target = TargetPath(directory, socket.RelativePath);
        EnsureDirectory(Path.GetDirectoryName(target)!);
        await using var output = CreateFile(target, socket.Slug);
        if (value.Value is not null)
        {
            await output.WriteAsync(System.Text.Encoding.UTF8.GetBytes(value.Value), ct);
        }
        else
        {
            await using var blob = blobs.OpenRead(BlobKeyOf(input));
            await blob.CopyToAsync(output, ct);
        }
    }

    private static string BlobKeyOf(StagedInput input) =>
        input.Value.BlobKey ?? throw new InvalidOperationException($"Value {input.Value.Id} of '{input.Socket.Slug}' has no file.");

    private static string TargetPath(string directory, string relativePath)
    {
        var target = Path.GetFullPath(Path.Combine(directory, relativePath));
        return SafePaths.IsInside(directory, target) && relativePath.Length > 0
            ? target
            : throw new InvalidOperationException($"'{relativePath}' is not a path inside the input folder.");
    }

    /// <summary>Creates the folder and any missing parents with mode 0755.</summary>
    public static void EnsureDirectory(string path)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path))
        {
            return;
        }

        EnsureDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, DirectoryMode);
        }
    }

    /// <summary>A new file with mode 0644; an existing one means two inputs claim the same path.</summary>
    public static FileStream CreateFile(string path, string input)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new InputStagingException($"The input '{input}' would overwrite '{Path.GetFileName(path)}', which another input already provides.");
        }

        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        var stream = new FileStream(path, options);
        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode is subject to the process umask; set the mode exactly.
            File.SetUnixFileMode(path, FileMode);
        }

        return stream;
    }
}

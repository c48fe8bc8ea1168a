using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// What a container produced for one output socket: a validated JSON value (JSON kinds), the file (file kinds) or the
/// single image file with the files beside it (image kinds, imported later by the images feature) — or a message
/// that says what is wrong.
/// </summary>
public sealed record SocketOutput(Socket Socket, string? Error, JsonNode? Value = null, string? FilePath = null, IReadOnlyList<string>? ImageFiles = null)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Reads a finished container's output folder socket by socket, as grand-challenge.org does (reference §5.8): JSON
/// kinds read <c>&lt;relative_path&gt;</c> with NaN and ±Infinity as null and validate it; file kinds check the file;
/// image kinds look for exactly one .mha, .mhd (+ .raw/.zraw), .tif or .tiff in <c>&lt;relative_path&gt;/</c>.
/// Symbolic links are never followed and nothing outside the folder is read. Other files are ignored.
/// </summary>
public sealed class SocketOutputReader(IOptions<ComponentsOptions> options)
{
    private static readonly string[] ImageExtensions = [".mha", ".mhd", ".tif", ".tiff"];
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly ComponentsOptions _options = options.Value;

    public IReadOnlyList<SocketOutput> Read(string outputDirectory, IEnumerable<Socket> sockets) =>
        sockets.Select(socket => Read(outputDirectory, socket)).ToList();

    public SocketOutput Read(string outputDirectory, Socket socket)
    {
        var kind = SocketKinds.Find(socket.Kind);
        if (kind is null || !kind.IsSupported)
        {
            return new SocketOutput(socket, kind?.UnsupportedReason ?? $"'{socket.Kind}' is not a socket kind.");
        }

        return kind.Group switch
        {
            SocketKindGroup.Json => ReadJson(outputDirectory, socket),
            SocketKindGroup.File => ReadFile(outputDirectory, socket, kind),
            _ => ReadImage(outputDirectory, socket),
        };
    }

    private SocketOutput ReadJson(string root, Socket socket)
    {
        var path = socket.RelativePath;
        if (FindFile(root, socket, out var file) is { } problem)
        {
            return problem;
        }

        if (new FileInfo(file).Length > _options.MaxJsonBytes)
        {
            return new SocketOutput(socket, $"Output file '{path}' is too large");
        }

        string canonical;
        try
        {
            var text = StrictUtf8.GetString(File.ReadAllBytes(file)).TrimStart('\uFEFF');
            using var document = LenientJson.Parse(text);
            canonical = CanonicalJson.Canonicalise(document.RootElement);
            if (ValueSchemas.Validate(socket.Kind, socket.Schema, document.RootElement) is { } schemaError)
            {
                return new SocketOutput(socket, $"Output file '{path}' is not valid. {schemaError}");
            }
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            return new SocketOutput(socket, $"Output file '{path}' is not valid json");
        }

        return new SocketOutput(socket, null, Value: JsonNode.Parse(canonical));
    }

    private SocketOutput ReadFile(string root, Socket socket, SocketKind kind)
    {
        var path = socket.RelativePath;
        if (FindFile(root, socket, out var file) is { } problem)
        {
            return problem;
        }

        if (new FileInfo(file).Length > _options.MaxFileBytes)
        {
            return new SocketOutput(socket, $"Output file '{path}' is too large");
        }

        return FileContentChecks.CheckContent(kind, file) is { } error
            ? new SocketOutput(socket, $"Output file '{path}' is not valid. {error}")
            : new SocketOutput(socket, null, FilePath: file);
    }

    private SocketOutput ReadImage(string root, Socket socket)
    {
        var path = socket.RelativePath;
        var name = path.Length == 0 ? "/output" : path;
        var (directory, problem) = SafePaths.Resolve(root, path, directory: true);
        switch (problem)
        {
            case SafePaths.Problem.Missing:
            case SafePaths.Problem.NotADirectory:
                return new SocketOutput(socket, $"Output directory '{name}' is empty");
            case SafePaths.Problem.SymbolicLink:
                return new SocketOutput(socket, $"Output directory '{name}' is or passes through a symbolic link, which is not allowed");
            case SafePaths.Problem.OutsideRoot:
                return new SocketOutput(socket, $"Output directory '{name}' is outside the output folder");
        }

        // The legacy socket with an empty path shares the output root with every other output: only image files at the
        // top count there. Everywhere else the folder belongs to this socket alone.
        var files = new List<string>();
        var legacy = path.Length == 0;
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(directory)]);
        while (pending.Count > 0)
        {
            foreach (var entry in pending.Pop().EnumerateFileSystemInfos())
            {
                if (legacy && (entry is DirectoryInfo || !IsImageFile(entry.Name)))
                {
                    continue;
                }

                if (SafePaths.IsSymbolicLink(entry))
                {
                    return new SocketOutput(socket, $"Output directory '{name}' contains a symbolic link ('{Path.GetRelativePath(root, entry.FullName)}'), which is not allowed");
                }

                if (entry is DirectoryInfo subdirectory)
                {
                    pending.Push(subdirectory);
                    continue;
                }

                files.Add(entry.FullName);
                if (files.Count > _options.MaxOutputImageFiles)
                {
                    return new SocketOutput(socket, $"Too many files produced in '{name}'");
                }
            }
        }

        if (files.Count == 0)
        {
            return new SocketOutput(socket, $"Output directory '{name}' is empty");
        }

        var images = files.Where(f => IsImageFile(f)).Order(StringComparer.Ordinal).ToList();
        if (images.Count == 0)
        {
            return new SocketOutput(socket, $"No output images could be imported from '{name}': write one .mha, .mhd (with its .raw or .zraw), .tif or .tiff file");
        }

        if (images.Count > 1)
        {
            return new SocketOutput(socket, $"Only 1 image should be produced in '{name}', found {images.Count}");
        }

        if (new FileInfo(images[0]).Length > _options.MaxFileBytes)
        {
            return new SocketOutput(socket, $"The output image in '{name}' is too large");
        }

        return new SocketOutput(socket, null, FilePath: images[0], ImageFiles: legacy ? images : files.Order(StringComparer.Ordinal).ToList());
    }

    private static bool IsImageFile(string name) => ImageExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase);

    private static SocketOutput? FindFile(string root, Socket socket, out string file)
    {
        var path = socket.RelativePath;
        (file, var problem) = SafePaths.Resolve(root, path, directory: false);
        return problem switch
        {
            SafePaths.Problem.None => null,
            SafePaths.Problem.SymbolicLink => new SocketOutput(socket, $"Output file '{path}' is or passes through a symbolic link, which is not allowed"),
            SafePaths.Problem.OutsideRoot => new SocketOutput(socket, $"Output file '{path}' is outside the output folder"),
            SafePaths.Problem.NotAFile => new SocketOutput(socket, $"Output file '{path}' is a directory, not a file"),
            _ => new SocketOutput(socket, $"Output file '{path}' was not produced"),
        };
    }
}

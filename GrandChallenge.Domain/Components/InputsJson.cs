using System.Text.Encodings.Web;
using System.Text.Json;

namespace GrandChallenge.Domain.Components;

/// <summary>An image a job gets as input: its id and name (as listed in inputs.json) and the file to stage.</summary>
public sealed record InputImage(Guid Id, string Name, string FilePath);

/// <summary>One input of a job: the socket, its value, and for image sockets the image.</summary>
public sealed record StagedInput(Socket Socket, SocketValue Value, InputImage? Image = null);

/// <summary>
/// Writes <c>/input/inputs.json</c> the way grand-challenge.org does (reference §5.4): a list with, per input, the full
/// socket (<c>kind</c> and <c>super_kind</c> as labels, <c>pk</c> an integer), the <c>value</c> of Value sockets, the
/// <c>file</c> of file values and the <c>image</c> (<c>{pk, name}</c>) of image values, and the value's <c>pk</c>.
/// Where grand-challenge.org puts a download URL in <c>file</c> — which a container without network cannot use — this
/// gives the file's path inside the container; its last segment is the file name, as containers expect.
/// </summary>
public static class InputsJsonWriter
{
    public const string FileName = "inputs.json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Stream output, IEnumerable<StagedInput> inputs, string containerInputRoot = "/input")
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartArray();
        foreach (var input in inputs)
        {
            WriteInput(writer, input, containerInputRoot.TrimEnd('/'));
        }

        writer.WriteEndArray();
        writer.Flush();
        output.Write("\n"u8);
    }

    public static string ToJson(IEnumerable<StagedInput> inputs, string containerInputRoot = "/input")
    {
        using var stream = new MemoryStream();
        Write(stream, inputs, containerInputRoot);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The socket as grand-challenge.org serialises it (also the shape of <c>/api/v1/components/interfaces/</c>).</summary>
    public static void WriteSocket(Utf8JsonWriter writer, Socket socket)
    {
        writer.WriteStartObject();
        writer.WriteString("title", socket.Title);
        writer.WriteString("description", socket.Description);
        writer.WriteString("slug", socket.Slug);
        writer.WriteString("kind", socket.KindInfo.Label);
        writer.WriteNumber("pk", socket.Id);
        writer.WritePropertyName("default_value");
        WriteJsonOrNull(writer, socket.DefaultValue);
        writer.WriteString("super_kind", socket.SuperKind.ToString());
        writer.WriteString("relative_path", socket.RelativePath);
        writer.WritePropertyName("overlay_segments");
        WriteJsonOrNull(writer, socket.OverlaySegments ?? "[]");
        writer.WriteNull("look_up_table");
        writer.WriteEndObject();
    }

    private static void WriteInput(Utf8JsonWriter writer, StagedInput input, string root)
    {
        var (socket, value, image) = input;
        writer.WriteStartObject();
        writer.WritePropertyName("interface");
        WriteSocket(writer, socket);
        writer.WritePropertyName("value");
        WriteJsonOrNull(writer, value.Value);
        if (value.FileName is not null)
        {
            writer.WriteString("file", $"{root}/{socket.RelativePath}");
        }
        else
        {
            writer.WriteNull("file");
        }

        if (value.ImageId is { } imageId)
        {
            writer.WriteStartObject("image");
            writer.WriteString("pk", imageId);
            writer.WriteString("name", image?.Name ?? "");
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("image");
        }

        writer.WriteNumber("pk", value.Id);
        writer.WriteEndObject();
    }

    private static void WriteJsonOrNull(Utf8JsonWriter writer, string? json)
    {
        if (json is null)
        {
            writer.WriteNullValue();
            return;
        }

        using var document = JsonDocument.Parse(json);
        document.RootElement.WriteTo(writer);
    }
}

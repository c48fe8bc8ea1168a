using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// One spelling per JSON value, so that equal values are stored once and found again: object properties sorted by
/// name (ordinal), no insignificant whitespace, strings re-encoded the same way. Numbers keep the digits they were
/// written with, because <c>42</c> and <c>42.0</c> reach a container as different types (int and float in Python).
/// </summary>
public static class CanonicalJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private static readonly JsonDocumentOptions StrictDocument = new() { MaxDepth = 256 };

    /// <summary>The canonical text of <paramref name="json"/>; throws <see cref="JsonException"/> when it is not JSON or repeats a key.</summary>
    public static string Canonicalise(string json)
    {
        using var document = JsonDocument.Parse(json, StrictDocument);
        return Canonicalise(document.RootElement);
    }

    public static string Canonicalise(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, element);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text: the lookup key of a stored value.</summary>
    public static string Hash(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = element.EnumerateObject().ToList();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in properties)
                {
                    if (!names.Add(property.Name))
                    {
                        throw new JsonException($"The key '{property.Name}' appears more than once in an object.");
                    }
                }

                writer.WriteStartObject();
                foreach (var property in properties.OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}

/// <summary>
/// Reads JSON the way grand-challenge.org reads container outputs: Python's <c>json</c> writes <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c>, which are not JSON; they become <c>null</c>. Everything else must be valid JSON.
/// </summary>
public static class LenientJson
{
    /// <summary>The text with the bare tokens NaN, Infinity and -Infinity (outside strings) replaced by null.</summary>
    public static string ReplaceNonFiniteNumbers(string text)
    {
        StringBuilder? output = null;
        var copiedUpTo = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                continue;
            }

            var length = TokenAt(text, i);
            if (length == 0)
            {
                continue;
            }

            output ??= new StringBuilder(text.Length);
            output.Append(text, copiedUpTo, i - copiedUpTo).Append("null");
            i += length - 1;
            copiedUpTo = i + 1;
        }

        if (output is null)
        {
            return text;
        }

        output.Append(text, copiedUpTo, text.Length - copiedUpTo);
        return output.ToString();
    }

    /// <summary>Parses with non-finite numbers as null; throws <see cref="JsonException"/> for anything else that is not JSON.</summary>
    public static JsonDocument Parse(string text) => JsonDocument.Parse(ReplaceNonFiniteNumbers(text), new JsonDocumentOptions { MaxDepth = 256 });

    private static int TokenAt(string text, int index)
    {
        foreach (var token in (ReadOnlySpan<string>)["NaN", "Infinity", "-Infinity"])
        {
            if (string.CompareOrdinal(text, index, token, 0, token.Length) == 0
                && (index + token.Length == text.Length || !char.IsLetterOrDigit(text[index + token.Length]))
                && (index == 0 || !char.IsLetterOrDigit(text[index - 1])))
            {
                return token.Length;
            }
        }

        return 0;
    }
}

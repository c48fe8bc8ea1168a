using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace GrandChallenge.Domain.Uploads;

/// <summary>
/// The MIME type of a file from its first bytes (grand-challenge.org asks libmagic about the first 2 KiB): the
/// archive, image and document formats uploads carry, then JSON, CSV and plain text, else octet-stream.
/// </summary>
public static class MimeSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> looks at.</summary>
    public const int HeadLength = 2048;

    public const string OctetStream = "application/octet-stream";

    /// <param name="head">The first bytes of the file, up to <see cref="HeadLength"/>.</param>
    /// <param name="isWholeFile">The head is the whole file, so its last line and last JSON token are complete.</param>
    public static string Sniff(ReadOnlySpan<byte> head, bool isWholeFile = false)
    {
        if (head.IsEmpty)
        {
            return "application/x-empty";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return "application/gzip";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]))
        {
            return "application/x-xz";
        }

        if (head.StartsWith("BZh"u8))
        {
            return "application/x-bzip2";
        }

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8) || head.StartsWith("PK\x07\x08"u8))
        {
            return "application/zip";
        }

        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            return "application/x-tar";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8) || head.StartsWith("II+\0"u8) || head.StartsWith("MM\0+"u8))
        {
            return "image/tiff";
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }

        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return "application/dicom";
        }

        if (!IsText(head))
        {
            return OctetStream;
        }

        if (LooksLikeJson(head, isWholeFile))
        {
            return "application/json";
        }

        return LooksLikeCsv(head, isWholeFile) ? "text/csv" : "text/plain";
    }

    /// <summary>UTF-8 without NULs or other control characters but tab, CR, LF, FF; a character cut off at the end is fine.</summary>
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                return false;
            }
        }

        var chars = ArrayPool<char>.Shared.Rent(head.Length);
        try
        {
            var status = Utf8.ToUtf16(head, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: false);
            // NeedMoreData: the head ends inside a character, which is how a cut-off UTF-8 text looks.
            return status is OperationStatus.Done or OperationStatus.NeedMoreData;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> head, bool isWholeFile)
    {
        var text = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;
        var start = text.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || text[start] is not ((byte)'{' or (byte)'['))
        {
            return false;
        }

        // Read as many tokens as the head holds; a syntax error before its end means it is not JSON.
        var reader = new Utf8JsonReader(text, isFinalBlock: isWholeFile, state: default);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>At least two complete lines with the same number (one or more) of commas or semicolons.</summary>
    private static bool LooksLikeCsv(ReadOnlySpan<byte> head, bool isWholeFile)
    {
        var text = Encoding.UTF8.GetString(head);
        var lines = text.Split('\n');
        // Unless the head is the whole file, its last piece may be cut off.
        var complete = lines.Take(isWholeFile ? lines.Length : lines.Length - 1).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).Take(20).ToList();
        if (complete.Count < 2)
        {
            return false;
        }

        foreach (var separator in new[] { ',', ';' })
        {
            var counts = complete.Select(l => l.Count(c => c == separator)).Distinct().ToList();
            if (counts is [> 0])
            {
                return true;
            }
        }

        return false;
    }
}

using System.Text;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// Checks that a file's name and first bytes fit its socket kind, in place of grand-challenge.org's extension and
/// libmagic MIME validators: PDF, PNG, JPEG, ZIP and MP4 by signature; CSV and Newick must be text, and a Newick file
/// must hold at least one tree with balanced brackets ending in ';'. SQREG, OBJ and BIOM are accepted as any non-empty
/// file, as grand-challenge.org accepts them as <c>application/octet-stream</c> (it validates BIOM with an external script).
/// </summary>
public static class FileContentChecks
{
    private const int TextProbeBytes = 8192;

    /// <summary>Null when <paramref name="fileName"/> may be uploaded to a socket of <paramref name="kind"/>; otherwise why not.</summary>
    public static string? CheckFileName(SocketKind kind, string fileName)
    {
        var extension = Path.GetExtension(fileName);
        return kind.UploadExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)
            ? null
            : $"A {kind.Label} must be a {string.Join(" or ", kind.UploadExtensions)} file; '{fileName}' is not.";
    }

    /// <summary>Null when the file at <paramref name="path"/> looks like a <paramref name="kind"/> file; otherwise why not.</summary>
    public static string? CheckContent(SocketKind kind, string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length == 0)
        {
            return "The file is empty.";
        }

        var head = new byte[(int)Math.Min(TextProbeBytes, stream.Length)];
        stream.ReadExactly(head);
        return kind.Code switch
        {
            SocketKinds.Pdf => IndexOf(head.AsSpan(0, Math.Min(head.Length, 1024)), "%PDF-"u8) >= 0 ? null : "The file is not a PDF document.",
            SocketKinds.Png => head.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? null : "The file is not a PNG image.",
            SocketKinds.Jpeg => head.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? null : "The file is not a JPEG image.",
            SocketKinds.Zip => head.AsSpan().StartsWith("PK\u0003\u0004"u8) || head.AsSpan().StartsWith("PK\u0005\u0006"u8)
                ? null
                : "The file is not a ZIP archive.",
            SocketKinds.Mp4 => head.Length >= 8 && head.AsSpan(4, 4).SequenceEqual("ftyp"u8) ? null : "The file is not an MP4 video.",
            SocketKinds.Csv => IsText(head) ? null : "The file is not a text (CSV) file.",
            SocketKinds.Newick => IsText(head) ? CheckNewick(stream) : "The file is not a text (Newick) file.",
            _ => null,
        };
    }

    private static string? CheckNewick(Stream stream)
    {
        stream.Position = 0;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var depth = 0;
        var trees = 0;
        var last = '\0';
        var inQuote = false;
        var inComment = false;
        int read;
        while ((read = reader.Read()) >= 0)
        {
            var c = (char)read;
            if (inQuote)
            {
                inQuote = c != '\'';
                continue;
            }

            if (inComment)
            {
                inComment = c != ']';
                continue;
            }

            switch (c)
            {
                case '\'':
                    inQuote = true;
                    break;
                case '[':
                    inComment = true;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth < 0)
                    {
                        return "Invalid Newick tree format: a ')' has no matching '('.";
                    }

                    break;
                case ';':
                    if (depth != 0)
                    {
                        return "Invalid Newick tree format: a tree ends before all its '(' are closed.";
                    }

                    trees++;
                    break;
            }

            if (!char.IsWhiteSpace(c))
            {
                last = c;
            }
        }

        if (inQuote || inComment || depth != 0)
        {
            return "Invalid Newick tree format: the file ends inside a tree, a quoted label or a comment.";
        }

        return trees == 0 || last != ';' ? "No Newick tree found: each tree must end with ';'." : null;
    }

    private static bool IsText(ReadOnlySpan<byte> head) => !head.Contains((byte)0);

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}

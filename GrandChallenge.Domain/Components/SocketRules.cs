using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GrandChallenge.Domain.Components;

/// <summary>The rules a socket's relative path, slug and overlay segments follow (reference §2.4 and §2.6).</summary>
public static partial class SocketRules
{
    public const int MaxRelativePathLength = 255;
    public const int MaxSlugLength = 50;
    /// <summary>panimg determines at most this many segments of an image.</summary>
    public const int MaxOverlaySegments = 64;
    public const string ImagesPrefix = "images/";

    /// <summary>Null when <paramref name="path"/> is a valid relative path for a socket of <paramref name="kind"/>; otherwise why not.</summary>
    public static string? CheckRelativePath(SocketKind kind, string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "A relative path is required.";
        }

        if (path.Length > MaxRelativePathLength)
        {
            return $"The relative path must be at most {MaxRelativePathLength} characters.";
        }

        if (path.Any(char.IsControl))
        {
            return "The relative path must not contain control characters.";
        }

        if (path.Contains('\\'))
        {
            return "Use '/' to separate folders in the relative path.";
        }

        if (path[0] == '/' || path[^1] == '/')
        {
            return "Path must not begin or end with '/'.";
        }

        var normalised = Normalise(path);
        if (normalised is null)
        {
            return "Relative paths that leave the input or output folder are not allowed.";
        }

        if (normalised != path)
        {
            return $"Invalid file path, should be {normalised}.";
        }

        if (Uuid().IsMatch(path))
        {
            return "The relative path must not contain a UUID.";
        }

        if (path.Equals("inputs.json", StringComparison.OrdinalIgnoreCase))
        {
            return "This relative path is reserved.";
        }

        if ((kind.IsJson || kind.IsFile) && !path.EndsWith(kind.Extension!, StringComparison.Ordinal))
        {
            return $"Relative path should end with {kind.Extension}.";
        }

        if (kind.IsImage)
        {
            if (!path.StartsWith(ImagesPrefix, StringComparison.Ordinal))
            {
                return "Relative path should start with images/.";
            }

            if (HasSuffix(path[(path.LastIndexOf('/') + 1)..]))
            {
                return "Images should be a directory: the relative path must not end in a file extension.";
            }
        }
        else if (path.StartsWith(ImagesPrefix, StringComparison.Ordinal))
        {
            return "Relative path should not start with images/.";
        }

        return null;
    }

    /// <summary>The path with '.', empty and resolvable '..' segments removed; null when it would leave its root.</summary>
    public static string? Normalise(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    return null;
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        return string.Join('/', segments);
    }

    /// <summary>Like Django's <c>slugify</c>: ASCII, lower case, words joined by '-', at most <see cref="MaxSlugLength"/> characters.</summary>
    public static string Slugify(string title)
    {
        var ascii = new StringBuilder(title.Length);
        foreach (var c in title.Normalize(NormalizationForm.FormKD))
        {
            if (c < 128)
            {
                ascii.Append(c);
            }
        }

        var cleaned = NotWordSpaceOrHyphen().Replace(ascii.ToString().ToLowerInvariant(), "");
        var slug = SpacesOrHyphens().Replace(cleaned, "-").Trim('-', '_');
        return slug.Length <= MaxSlugLength ? slug : slug[..MaxSlugLength].Trim('-', '_');
    }

    /// <summary>
    /// Checks overlay segments given as JSON: a list of <c>{name, visible, voxel_value}</c> (optionally
    /// <c>metric_template</c>), names and voxel values unique, voxel values non-negative and, with the implicit
    /// background 0, contiguous. Returns the canonical JSON text, or an error.
    /// </summary>
    public static (string? Canonical, string? Error) CheckOverlaySegments(JsonElement segments)
    {
        if (segments.ValueKind != JsonValueKind.Array)
        {
            return (null, "Overlay segments must be a list of {\"name\", \"visible\", \"voxel_value\"} objects.");
        }

        if (segments.GetArrayLength() > MaxOverlaySegments)
        {
            return (null, $"At most {MaxOverlaySegments} overlay segments are allowed.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var declared = new HashSet<long>();
        var index = 0;
        foreach (var segment in segments.EnumerateArray())
        {
            var where = $"Segment {index + 1}";
            if (segment.ValueKind != JsonValueKind.Object)
            {
                return (null, $"{where} must be an object with \"name\", \"visible\" and \"voxel_value\".");
            }

            foreach (var property in segment.EnumerateObject())
            {
                if (property.Name is not ("name" or "visible" or "voxel_value" or "metric_template"))
                {
                    return (null, $"{where}: '{property.Name}' is not an allowed property.");
                }
            }

            if (!segment.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            {
                return (null, $"{where} needs a \"name\" (text).");
            }

            if (!segment.TryGetProperty("visible", out var visible) || visible.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, $"{where} needs \"visible\" (true or false).");
            }

            if (!segment.TryGetProperty("voxel_value", out var voxel) || voxel.ValueKind != JsonValueKind.Number
                || !voxel.TryGetInt64(out var voxelValue) || voxelValue < 0)
            {
                return (null, $"{where} needs a \"voxel_value\" that is a whole number of 0 or more.");
            }

            if (segment.TryGetProperty("metric_template", out var template) && template.ValueKind != JsonValueKind.String)
            {
                return (null, $"{where}: \"metric_template\" must be text.");
            }

            if (!names.Add(name.GetString()!))
            {
                return (null, $"The segment name '{name.GetString()}' is used more than once.");
            }

            if (!declared.Add(voxelValue))
            {
                return (null, $"The voxel value {voxelValue.ToString(CultureInfo.InvariantCulture)} is used more than once.");
            }

            index++;
        }

        var values = declared.Append(0).ToHashSet();
        if (values.Max() != values.Count - 1)
        {
            return (null, "Voxel values for overlay segments must be contiguous, starting at 1 (0 is the implicit background).");
        }

        return (CanonicalJson.Canonicalise(segments), null);
    }

    /// <summary>True when every old segment is still there (by name, voxel value and template; visibility may change).</summary>
    public static bool OverlaySegmentsPreserved(string? oldSegments, string? newSegments)
    {
        static HashSet<string> Keys(string? json)
        {
            if (string.IsNullOrEmpty(json))
            {
                return [];
            }

            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateArray()
                .Select(s => string.Join('\u0001', s.EnumerateObject()
                    .Where(p => p.Name != "visible")
                    .OrderBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => $"{p.Name}={p.Value.GetRawText()}")))
                .ToHashSet(StringComparer.Ordinal);
        }

        return Keys(oldSegments).IsSubsetOf(Keys(newSegments));
    }

    // Python's pathlib: a name has a suffix when a dot sits after its first character and before its last.
    private static bool HasSuffix(string name)
    {
        var dot = name.LastIndexOf('.');
        return dot > 0 && dot < name.Length - 1;
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"[^\w\s-]")]
    private static partial Regex NotWordSpaceOrHyphen();

    [GeneratedRegex(@"[-\s]+")]
    private static partial Regex SpacesOrHyphens();
}

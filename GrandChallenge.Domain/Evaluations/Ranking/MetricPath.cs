using System.Text.Json;

namespace GrandChallenge.Domain.Evaluations.Ranking;

/// <summary>
/// grand-challenge.org's "jsonpath" for metrics: not JSONPath, but the path split on <c>.</c> and used as successive
/// object keys (<c>aggregates.dice.mean</c>). No array indexing, no wildcards; a missing key or a non-object on the way
/// means there is no value.
/// </summary>
public static class MetricPath
{
    /// <summary>The raw value at <paramref name="path"/>, whatever its kind (for display).</summary>
    public static bool TryGetValue(JsonElement metrics, string path, out JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(path);
        var current = metrics;
        var rest = path.AsSpan();
        while (true)
        {
            var dot = rest.IndexOf('.');
            var key = dot < 0 ? rest : rest[..dot];
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(key, out current))
            {
                value = default;
                return false;
            }

            if (dot < 0)
            {
                value = current;
                return true;
            }

            rest = rest[(dot + 1)..];
        }
    }

    /// <summary>
    /// The finite number at <paramref name="path"/>. Strings (even "0.5"), null (what NaN and ±Infinity became when
    /// metrics.json was read), objects, arrays and numbers too large for a double are not numbers.
    /// </summary>
    public static bool TryGetNumber(JsonElement metrics, string path, out double value)
    {
        // Booleans are not numbers either. grand-challenge.org ranks true/false as 1/0 only because Python's bool is
        // a subclass of int; a flag is not a score, and DESIGN requires every ranked metric to be numeric.
        if (TryGetValue(metrics, path, out var element)
            && element.ValueKind == JsonValueKind.Number
            && element.TryGetDouble(out value)
            && double.IsFinite(value))
        {
            return true;
        }

        value = 0;
        return false;
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// The JSON Schemas (draft-07) that socket values are validated against: one definition per JSON kind, as in
/// grand-challenge.org's <c>INTERFACE_VALUE_SCHEMA</c>, plus an optional schema of the socket's own that the value
/// must satisfy as well (the two together are grand-challenge.org's <c>allOf</c>).
/// </summary>
public static partial class ValueSchemas
{
    public const string Draft07 = "http://json-schema.org/draft-07/schema#";
    private const int MaxErrorsShown = 5;

    /// <summary>
    /// Every definition keyed by kind code, with the support objects the "multiple" kinds refer to. A point is exactly
    /// three numbers, a version is <c>{major, minor}</c> of non-negative integers, a probability lies in [0, 1], and
    /// annotation objects admit no properties beyond those listed.
    /// </summary>
    public const string Definitions = """
        {
          "point": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
          "version-object": {
            "type": "object",
            "properties": {"major": {"type": "integer", "minimum": 0}, "minor": {"type": "integer", "minimum": 0}},
            "required": ["major", "minor"],
            "additionalProperties": false
          },
          "probability": {"type": "number", "minimum": 0, "maximum": 1},

          "STR": {"type": "string"},
          "INT": {"type": "integer"},
          "FLT": {"type": "number"},
          "BOOL": {"type": "boolean"},
          "JSON": {},
          "CHOI": {"type": "string"},
          "MCHO": {"type": "array", "items": {"type": "string"}},
          "CHART": {
            "$comment": "grand-challenge.org refers to the remote Vega-Lite v5 schema, which cannot be fetched here. A chart is accepted when it is an object with a view: a mark or a composition.",
            "type": "object",
            "anyOf": [
              {"required": ["mark"]}, {"required": ["layer"]}, {"required": ["concat"]}, {"required": ["hconcat"]},
              {"required": ["vconcat"]}, {"required": ["facet"]}, {"required": ["repeat"]}
            ]
          },

          "2DBB": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "2D bounding box"},
              "corners": {"type": "array", "items": {"$ref": "#/definitions/point"}, "minItems": 4, "maxItems": 4},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["version", "type", "corners"],
            "additionalProperties": false
          },
          "2D-bounding-box-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "2D bounding box"},
              "corners": {"type": "array", "items": {"$ref": "#/definitions/point"}, "minItems": 4, "maxItems": 4},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["corners"],
            "additionalProperties": false
          },
          "M2DB": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple 2D bounding boxes"},
              "boxes": {"type": "array", "items": {"$ref": "#/definitions/2D-bounding-box-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["version", "type", "boxes"],
            "additionalProperties": false
          },

          "DIST": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Distance measurement"},
              "start": {"$ref": "#/definitions/point"},
              "end": {"$ref": "#/definitions/point"},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["version", "type", "start", "end"],
            "additionalProperties": false
          },
          "line-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Distance measurement"},
              "start": {"$ref": "#/definitions/point"},
              "end": {"$ref": "#/definitions/point"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["start", "end"],
            "additionalProperties": false
          },
          "MDIS": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple distance measurements"},
              "lines": {"type": "array", "items": {"$ref": "#/definitions/line-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["version", "type", "lines"],
            "additionalProperties": false
          },

          "POIN": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Point"},
              "point": {"$ref": "#/definitions/point"},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["version", "type", "point"],
            "additionalProperties": false
          },
          "point-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Point"},
              "point": {"$ref": "#/definitions/point"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["point"],
            "additionalProperties": false
          },
          "MPOI": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple points"},
              "points": {"type": "array", "items": {"$ref": "#/definitions/point-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["version", "type", "points"],
            "additionalProperties": false
          },

          "POLY": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Polygon"},
              "seed_point": {"$ref": "#/definitions/point"},
              "path_points": {"type": "array", "items": {"$ref": "#/definitions/point"}},
              "sub_type": {"type": "string"},
              "groups": {"type": "array", "items": {"type": "string"}},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["seed_point", "path_points", "sub_type", "groups", "type", "version"],
            "additionalProperties": false
          },
          "polygon-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Polygon"},
              "seed_point": {"$ref": "#/definitions/point"},
              "path_points": {"type": "array", "items": {"$ref": "#/definitions/point"}},
              "sub_type": {"type": "string"},
              "groups": {"type": "array", "items": {"type": "string"}},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["seed_point", "path_points", "sub_type", "groups"],
            "additionalProperties": false
          },
          "MPOL": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple polygons"},
              "polygons": {"type": "array", "items": {"$ref": "#/definitions/polygon-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["type", "version", "polygons"],
            "additionalProperties": false
          },

          "LINE": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Line"},
              "seed_points": {"type": "array", "items": {"$ref": "#/definitions/point"}},
              "path_point_lists": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/definitions/point"}}},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["seed_points", "path_point_lists", "type", "version"],
            "additionalProperties": false
          },
          "spline-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Line"},
              "seed_points": {"type": "array", "items": {"$ref": "#/definitions/point"}},
              "path_point_lists": {"type": "array", "items": {"type": "array", "items": {"$ref": "#/definitions/point"}}},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["seed_points", "path_point_lists"],
            "additionalProperties": false
          },
          "MLIN": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple lines"},
              "lines": {"type": "array", "items": {"$ref": "#/definitions/spline-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["type", "version", "lines"],
            "additionalProperties": false
          },

          "two-point-line": {"type": "array", "items": {"$ref": "#/definitions/point"}, "minItems": 2, "maxItems": 2},
          "ANGL": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Angle"},
              "lines": {"type": "array", "items": {"$ref": "#/definitions/two-point-line"}, "minItems": 2, "maxItems": 2},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["lines", "version", "type"],
            "additionalProperties": false
          },
          "angle-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Angle"},
              "lines": {"type": "array", "items": {"$ref": "#/definitions/two-point-line"}, "minItems": 2, "maxItems": 2},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["lines"],
            "additionalProperties": false
          },
          "MANG": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple angles"},
              "angles": {"type": "array", "items": {"$ref": "#/definitions/angle-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["type", "version", "angles"],
            "additionalProperties": false
          },

          "ELLI": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Ellipse"},
              "major_axis": {"$ref": "#/definitions/two-point-line"},
              "minor_axis": {"$ref": "#/definitions/two-point-line"},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["version", "type", "major_axis", "minor_axis"],
            "additionalProperties": false
          },
          "ellipse-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Ellipse"},
              "major_axis": {"$ref": "#/definitions/two-point-line"},
              "minor_axis": {"$ref": "#/definitions/two-point-line"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["major_axis", "minor_axis"],
            "additionalProperties": false
          },
          "MELL": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple ellipses"},
              "ellipses": {"type": "array", "items": {"$ref": "#/definitions/ellipse-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["version", "type", "ellipses"],
            "additionalProperties": false
          },

          "3ANG": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Three-point angle"},
              "angle": {"type": "array", "items": {"$ref": "#/definitions/point"}, "minItems": 3, "maxItems": 3},
              "version": {"$ref": "#/definitions/version-object"},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["version", "type", "angle"],
            "additionalProperties": false
          },
          "3-point-angle-object": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Three-point angle"},
              "angle": {"type": "array", "items": {"$ref": "#/definitions/point"}, "minItems": 3, "maxItems": 3},
              "probability": {"$ref": "#/definitions/probability"}
            },
            "required": ["angle"],
            "additionalProperties": false
          },
          "M3AN": {
            "type": "object",
            "properties": {
              "name": {"type": "string"},
              "type": {"const": "Multiple three-point angles"},
              "angles": {"type": "array", "items": {"$ref": "#/definitions/3-point-angle-object"}},
              "version": {"$ref": "#/definitions/version-object"}
            },
            "required": ["version", "type", "angles"],
            "additionalProperties": false
          },

          "ATRG": {
            "type": "object",
            "properties": {
              "3d_affine_transform": {
                "type": "array",
                "minItems": 4,
                "maxItems": 4,
                "items": {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}
              }
            },
            "required": ["3d_affine_transform"]
          }
        }
        """;

    private static readonly ConcurrentDictionary<string, JsonSchema> KindSchemas = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, JsonSchema> SocketSchemas = new(StringComparer.Ordinal);

    /// <summary>The schema a value of <paramref name="kindCode"/> must satisfy (a JSON kind).</summary>
    public static JsonSchema ForKind(string kindCode)
    {
        var kind = SocketKinds.Get(kindCode);
        if (!kind.IsJson)
        {
            throw new ArgumentException($"'{kindCode}' is not a JSON kind.", nameof(kindCode));
        }

        return KindSchemas.GetOrAdd(kindCode, code => JsonSchema.FromText(
            $$"""{"$schema": "{{Draft07}}", "definitions": {{Definitions}}, "allOf": [{"$ref": "#/definitions/{{code}}"}]}""",
            NewBuildOptions()));
    }

    /// <summary>
    /// Null when <paramref name="value"/> satisfies the kind's definition and the socket's own schema (if any);
    /// otherwise one readable message: <c>JSON does not fulfill schema: …</c>.
    /// </summary>
    public static string? Validate(string kindCode, string? socketSchema, JsonElement value)
    {
        var errors = Errors(ForKind(kindCode), value);
        if (socketSchema is { Length: > 0 })
        {
            errors.AddRange(Errors(CompiledSocketSchema(socketSchema), value));
        }

        return errors.Count == 0 ? null : "JSON does not fulfill schema: " + Summarise(errors);
    }

    /// <summary>
    /// Checks a socket's own schema: a JSON object, valid against the draft-07 meta-schema, with references only inside
    /// itself (nothing is ever fetched). Null when it is fine; otherwise why not.
    /// </summary>
    public static string? CheckSocketSchema(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return "The schema must be a JSON object.";
        }

        if (schema.TryGetProperty("$schema", out var dialect)
            && !(dialect.ValueKind == JsonValueKind.String && dialect.GetString()?.TrimEnd('#') is "http://json-schema.org/draft-07/schema" or "http://json-schema.org/draft-06/schema"))
        {
            return "Only draft-07 (or draft-06) JSON Schemas are supported; remove \"$schema\" or set it to \"http://json-schema.org/draft-07/schema#\".";
        }

        if (RemoteReference(schema) is { } remote)
        {
            return $"The schema refers to '{remote}'; only references inside the schema (\"#/...\") are allowed.";
        }

        if (References(schema).FirstOrDefault(r => !Resolves(schema, r)) is { } dangling)
        {
            return $"The schema is not a valid JSON Schema: the reference '{dangling}' points to nothing in the schema.";
        }

        var meta = MetaSchemas.Draft7.Evaluate(schema, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!meta.IsValid)
        {
            return "The schema is not a valid JSON Schema: " + Summarise(Collect(meta));
        }

        try
        {
            _ = JsonSchema.Build(schema, NewBuildOptions());
        }
        catch (Exception e) when (e is JsonSchemaException or ArgumentException or InvalidOperationException or RefResolutionException or JsonException)
        {
            return $"The schema is not a valid JSON Schema: {e.Message}";
        }

        return null;
    }

    private static JsonSchema CompiledSocketSchema(string schemaJson) =>
        SocketSchemas.GetOrAdd(schemaJson, text => JsonSchema.FromText(text, NewBuildOptions()));

    // A registry of its own per schema: nothing is shared, nothing is fetched, and the global registry does not grow.
    private static BuildOptions NewBuildOptions() => new() { Dialect = Dialect.Draft07, SchemaRegistry = new SchemaRegistry() };

    private static List<(string Location, string Message)> Errors(JsonSchema schema, JsonElement value)
    {
        var result = schema.Evaluate(value, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? [] : Collect(result);
    }

    private static List<(string Location, string Message)> Collect(EvaluationResults results)
    {
        var errors = new List<(string, string)>();
        foreach (var node in results.Details is { Count: > 0 } details ? details.Prepend(results) : [results])
        {
            if (node.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in node.Errors)
            {
                var location = node.InstanceLocation.ToString();
                var evaluationPath = node.EvaluationPath.ToString();
                var text = keyword == "" && evaluationPath.EndsWith("/additionalProperties", StringComparison.Ordinal)
                    ? $"'{LastSegment(location)}' is not an allowed property"
                    : Readable(message);
                errors.Add((location, text));
            }
        }

        return errors;
    }

    private static string Summarise(List<(string Location, string Message)> errors)
    {
        var distinct = MergeAlternatives(errors.Distinct().ToList());
        var shown = distinct.Take(MaxErrorsShown).Select(e => $"{(e.Location.Length == 0 ? "(root)" : e.Location)}: {e.Message}");
        var text = string.Join("; ", shown);
        return distinct.Count > MaxErrorsShown ? $"{text}; and {distinct.Count - MaxErrorsShown} more" : text;
    }

    // Several "required" failures at one place come from alternatives (anyOf), e.g. a chart's mark or compositions.
    private static List<(string Location, string Message)> MergeAlternatives(List<(string Location, string Message)> errors)
    {
        var merged = new List<(string, string)>();
        foreach (var group in errors.GroupBy(e => e.Location))
        {
            var required = group.Select(e => RequiredProperties().Match(e.Message)).Where(m => m.Success).ToList();
            if (required.Count > 1)
            {
                merged.Add((group.Key, $"one of {string.Join(", ", required.Select(m => m.Groups[1].Value))} is required"));
                merged.AddRange(group.Where(e => !RequiredProperties().IsMatch(e.Message)));
            }
            else
            {
                merged.AddRange(group);
            }
        }

        return merged;
    }

    // JsonSchema.Net quotes constants as JSON text inside its own quotes ("\u0022x\u0022"); one pair is enough.
    private static string Readable(string message) => EscapedQuote().Replace(message, "");

    private static string LastSegment(string pointer) =>
        pointer[(pointer.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    private static IEnumerable<string> References(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == "$ref" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : References(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(References),
        _ => [],
    };

    // Local JSON Pointer references ("#/definitions/x"); anchors ("#name") are left to the library.
    private static bool Resolves(JsonElement root, string reference)
    {
        if (reference == "#")
        {
            return true;
        }

        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return true;
        }

        var current = root;
        foreach (var raw in reference[2..].Split('/'))
        {
            var token = Uri.UnescapeDataString(raw).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, out var index) && index >= 0 && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static string? RemoteReference(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String
                        && property.Value.GetString() is { } reference && !reference.StartsWith('#'))
                    {
                        return reference;
                    }

                    if (RemoteReference(property.Value) is { } nested)
                    {
                        return nested;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (RemoteReference(item) is { } nested)
                    {
                        return nested;
                    }
                }

                break;
        }

        return null;
    }

    [GeneratedRegex(@"\\u0022")]
    private static partial Regex EscapedQuote();

    [GeneratedRegex(@"^Required properties \[(.*)\] are not present$")]
    private static partial Regex RequiredProperties();
}

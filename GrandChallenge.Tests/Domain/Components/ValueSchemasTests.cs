using System.Text.Json;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class ValueSchemasTests
{
    /// <summary>grand-challenge.org's example document of every JSON kind (<c>INTERFACE_KIND_JSON_EXAMPLES</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Examples = new Dictionary<string, string>
    {
        ["STR"] = "\"Example String\"",
        ["INT"] = "42",
        ["FLT"] = "42.0",
        ["BOOL"] = "true",
        ["JSON"] = """{"key": "value", "None": null}""",
        ["CHART"] = """
            {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 300, "height": 300,
             "data": {"values": [{"target": "Negative", "prediction": "Negative", "value": 198},
                                 {"target": "Negative", "prediction": "Positive", "value": 9},
                                 {"target": "Positive", "prediction": "Negative", "value": 159},
                                 {"target": "Positive", "prediction": "Positive", "value": 376}],
                      "format": {"type": "json"}},
             "layer": [{"mark": "rect", "encoding": {"y": {"field": "target", "type": "ordinal"}, "x": {"field": "prediction", "type": "ordinal"},
                        "color": {"field": "value", "type": "quantitative", "title": "Count of Records", "legend": {"direction": "vertical", "gradientLength": 300}}}},
                       {"mark": "text", "encoding": {"y": {"field": "target", "type": "ordinal"}, "x": {"field": "prediction", "type": "ordinal"},
                        "text": {"field": "value", "type": "quantitative"},
                        "color": {"condition": {"test": "datum['value'] < 40", "value": "black"}, "value": "white"}}}],
             "config": {"axis": {"grid": true, "tickBand": "extent"}}}
            """,
        ["2DBB"] = """
            {"name": "Region of interest", "type": "2D bounding box",
             "corners": [[130.8, 148.8, 0.5], [69.7, 148.8, 0.5], [69.7, 73.1, 0.5], [130.8, 73.1, 0.5]],
             "probability": 0.95, "version": {"major": 1, "minor": 0}}
            """,
        ["M2DB"] = """
            {"name": "Regions of interest", "type": "Multiple 2D bounding boxes",
             "boxes": [{"name": "ROI 1", "corners": [[92.6, 136.0, 0.5], [54.8, 136.0, 0.5], [54.8, 95.5, 0.5], [92.6, 95.5, 0.5]], "probability": 0.95},
                       {"name": "ROI 2", "corners": [[92.6, 136.0, 0.5], [54.8, 136.0, 0.5], [54.8, 95.5, 0.5], [92.6, 95.5, 0.5]], "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["DIST"] = """
            {"name": "Distance between areas", "type": "Distance measurement", "start": [59.8, 78.8, 0.5], "end": [69.4, 143.8, 0.5],
             "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MDIS"] = """
            {"name": "Distances between areas", "type": "Multiple distance measurements",
             "lines": [{"name": "Distance 1", "start": [49.7, 103.3, 0.5], "end": [55.1, 139.3, 0.5], "probability": 0.92},
                       {"name": "Distance 2", "start": [49.7, 103.3, 0.5], "end": [55.1, 139.3, 0.5], "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["POIN"] = """
            {"name": "Point of interest", "type": "Point", "point": [152.1, 111.0, 0.5], "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MPOI"] = """
            {"name": "Points of interest", "type": "Multiple points",
             "points": [{"name": "Point 1", "point": [96.0, 79.8, 0.5], "probability": 0.92},
                        {"name": "Point 2", "point": [130.1, 115.5, 0.5], "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["POLY"] = """
            {"name": "Area of interest", "type": "Polygon", "seed_point": [76.4, 124.0, 0.5],
             "path_points": [[76.41, 124.01, 0.5], [76.41, 124.05, 0.5], [76.42, 124.08, 0.5]],
             "sub_type": "brush", "groups": [], "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MPOL"] = """
            {"name": "Areas of interest", "type": "Multiple polygons",
             "polygons": [{"name": "Area 1", "seed_point": [55.82, 90.46, 0.5],
                           "path_points": [[55.82, 90.46, 0.5], [55.93, 90.88, 0.5], [56.24, 91.19, 0.5], [56.66, 91.30, 0.5]],
                           "sub_type": "brush", "groups": ["manual"], "probability": 0.67},
                          {"name": "Area 2", "seed_point": [90.22, 96.06, 0.5],
                           "path_points": [[90.22, 96.06, 0.5], [90.33, 96.48, 0.5], [90.64, 96.79, 0.5]],
                           "sub_type": "brush", "groups": [], "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["LINE"] = """
            {"name": "Some annotation", "type": "Line", "seed_points": [[1, 2, 3], [1, 2, 3]],
             "path_point_lists": [[[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]], [[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]]],
             "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MLIN"] = """
            {"name": "Some annotations", "type": "Multiple lines",
             "lines": [{"name": "Annotation 1", "seed_points": [[1, 2, 3], [1, 2, 3]],
                        "path_point_lists": [[[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]], [[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]]],
                        "probability": 0.78},
                       {"name": "Annotation 2", "seed_points": [[1, 2, 3], [1, 2, 3]],
                        "path_point_lists": [[[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]], [[5, 6, 7], [8, 9, 10], [1, 0, 10], [2, 4, 2]]],
                        "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["ANGL"] = """
            {"name": "Some angle", "type": "Angle", "lines": [[[180, 10, 0.5], [190, 10, 0.5]], [[180, 25, 0.5], [190, 15, 0.5]]],
             "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MANG"] = """
            {"name": "Some angles", "type": "Multiple angles",
             "angles": [{"name": "First angle", "lines": [[[110, 135, 0.5], [60, 165, 0.5]], [[70, 25, 0.5], [85, 65, 0.5]]], "probability": 0.82},
                        {"name": "Second angle", "lines": [[[130, 210, 0.5], [160, 130, 0.5]], [[140, 40, 0.5], [180, 75, 0.5]]], "probability": 0.52},
                        {"name": "Third angle", "lines": [[[20, 30, 0.5], [20, 100, 0.5]], [[180, 200, 0.5], [210, 200, 0.5]]], "probability": 0.98}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["ELLI"] = """
            {"name": "Some ellipse", "type": "Ellipse", "major_axis": [[-10, 606, 0.5], [39, 559, 0.5]], "minor_axis": [[2, 570, 0.5], [26, 595, 0.5]],
             "probability": 0.92, "version": {"major": 1, "minor": 0}}
            """,
        ["MELL"] = """
            {"name": "Some ellipse", "type": "Multiple ellipses",
             "ellipses": [{"major_axis": [[-44, 535, 0.5], [-112, 494, 0.5]], "minor_axis": [[-88, 532, 0.5], [-68, 497, 0.5]], "probability": 0.69},
                          {"major_axis": [[-17, 459, 0.5], [-94, 436, 0.5]], "minor_axis": [[-61, 467, 0.5], [-50, 428, 0.5]], "probability": 0.92}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["3ANG"] = """
            {"name": "Some 3-point angle", "type": "Three-point angle", "angle": [[177, 493, 0.5], [22, 489, 0.5], [112, 353, 0.5]],
             "probability": 0.003, "version": {"major": 1, "minor": 0}}
            """,
        ["M3AN"] = """
            {"name": "Multiple 3-point angles", "type": "Multiple three-point angles",
             "angles": [{"name": "first", "angle": [[300, 237, 0.5], [263, 282, 0.5], [334, 281, 0.5]], "probability": 0.92},
                        {"name": "second", "angle": [[413, 237, 0.5], [35, 160, 0.5], [367, 293, 0.5]], "probability": 0.69}],
             "version": {"major": 1, "minor": 0}}
            """,
        ["ATRG"] = """{"3d_affine_transform": [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]}""",
        ["CHOI"] = "\"Choice 1\"",
        ["MCHO"] = """["Choice 1", "Choice 2"]""",
    };

    public static TheoryData<string> JsonKinds => new(SocketKinds.All.Where(k => k.IsJson).Select(k => k.Code));

    /// <summary>Per kind, documents that must fail, each with a fragment the message must contain.</summary>
    public static TheoryData<string, string, string> InvalidDocuments => new()
    {
        { "STR", "42", "(root)" },
        { "INT", "4.5", "(root)" },
        { "INT", "\"42\"", "(root)" },
        { "FLT", "\"4.5\"", "(root)" },
        { "BOOL", "\"true\"", "(root)" },
        { "CHOI", "1", "(root)" },
        { "MCHO", "[\"a\", 1]", "/1" },
        { "MCHO", "\"a\"", "(root)" },
        { "CHART", "[1, 2]", "(root)" },
        { "CHART", """{"data": {"values": []}}""", "(root)" },
        // wrong count: three corners, a corner of two numbers
        { "2DBB", """{"type": "2D bounding box", "corners": [[0,0,0],[1,0,0],[1,1,0]], "version": {"major": 1, "minor": 0}}""", "/corners" },
        { "2DBB", """{"type": "2D bounding box", "corners": [[0,0,0],[1,0,0],[1,1,0],[0,1]], "version": {"major": 1, "minor": 0}}""", "/corners/3" },
        // wrong type constant
        { "2DBB", """{"type": "Bounding box", "corners": [[0,0,0],[1,0,0],[1,1,0],[0,1,0]], "version": {"major": 1, "minor": 0}}""", "/type" },
        // extra property
        { "2DBB", """{"type": "2D bounding box", "corners": [[0,0,0],[1,0,0],[1,1,0],[0,1,0]], "version": {"major": 1, "minor": 0}, "colour": "red"}""", "'colour' is not an allowed property" },
        // missing key
        { "2DBB", """{"type": "2D bounding box", "corners": [[0,0,0],[1,0,0],[1,1,0],[0,1,0]]}""", "version" },
        // version: extra key, negative, fractional
        { "POIN", """{"type": "Point", "point": [1,2,3], "version": {"major": 1, "minor": 0, "patch": 1}}""", "/version/patch" },
        { "POIN", """{"type": "Point", "point": [1,2,3], "version": {"major": -1, "minor": 0}}""", "/version/major" },
        { "POIN", """{"type": "Point", "point": [1,2,3], "version": {"major": 1.5, "minor": 0}}""", "/version/major" },
        // probability outside [0, 1]
        { "POIN", """{"type": "Point", "point": [1,2,3], "version": {"major": 1, "minor": 0}, "probability": 1.5}""", "/probability" },
        { "POIN", """{"type": "Point", "point": [1,2,3,4], "version": {"major": 1, "minor": 0}}""", "/point" },
        { "M2DB", """{"type": "Multiple 2D bounding boxes", "boxes": [{"corners": [[0,0,0],[1,0,0],[1,1,0]]}], "version": {"major": 1, "minor": 0}}""", "/boxes/0/corners" },
        { "M2DB", """{"type": "Multiple 2D bounding boxes", "boxes": [{"corners": [[0,0,0],[1,0,0],[1,1,0],[0,1,0]], "version": {"major": 1, "minor": 0}}], "version": {"major": 1, "minor": 0}}""", "/boxes/0/version" },
        { "M2DB", """{"type": "2D bounding box", "boxes": [], "version": {"major": 1, "minor": 0}}""", "/type" },
        { "DIST", """{"type": "Distance measurement", "start": [0,0,0], "version": {"major": 1, "minor": 0}}""", "end" },
        { "DIST", """{"type": "Distance measurement", "start": [0,0], "end": [1,1,1], "version": {"major": 1, "minor": 0}}""", "/start" },
        { "MDIS", """{"type": "Multiple distance measurements", "lines": [{"start": [0,0,0]}], "version": {"major": 1, "minor": 0}}""", "/lines/0" },
        { "MDIS", """{"type": "Multiple distance measurements", "lines": [{"start": [0,0,0], "end": [1,1,1], "type": "Point"}], "version": {"major": 1, "minor": 0}}""", "/lines/0/type" },
        { "MPOI", """{"type": "Multiple points", "points": [{"point": [0,0,0], "extra": 1}], "version": {"major": 1, "minor": 0}}""", "'extra' is not an allowed property" },
        { "MPOI", """{"type": "Multiple points", "version": {"major": 1, "minor": 0}}""", "points" },
        { "POLY", """{"type": "Polygon", "seed_point": [0,0,0], "path_points": [[0,0,0]], "groups": [], "version": {"major": 1, "minor": 0}}""", "sub_type" },
        { "POLY", """{"type": "Polygon", "seed_point": [0,0,0], "path_points": [[0,0]], "sub_type": "brush", "groups": [], "version": {"major": 1, "minor": 0}}""", "/path_points/0" },
        { "POLY", """{"type": "Polygon", "seed_point": [0,0,0], "path_points": [], "sub_type": "brush", "groups": [1], "version": {"major": 1, "minor": 0}}""", "/groups/0" },
        { "MPOL", """{"type": "Multiple polygons", "polygons": [{"seed_point": [0,0,0], "path_points": [], "sub_type": "brush"}], "version": {"major": 1, "minor": 0}}""", "/polygons/0" },
        { "LINE", """{"type": "Line", "seed_points": [[0,0,0]], "version": {"major": 1, "minor": 0}}""", "path_point_lists" },
        { "LINE", """{"type": "Line", "seed_points": [[0,0,0]], "path_point_lists": [[[0,0]]], "version": {"major": 1, "minor": 0}}""", "/path_point_lists/0/0" },
        { "MLIN", """{"type": "Multiple lines", "lines": [{"seed_points": [], "path_point_lists": [], "version": {"major": 1, "minor": 0}}], "version": {"major": 1, "minor": 0}}""", "/lines/0/version" },
        // an angle is exactly two lines of exactly two points
        { "ANGL", """{"type": "Angle", "lines": [[[0,0,0],[1,0,0]]], "version": {"major": 1, "minor": 0}}""", "/lines" },
        { "ANGL", """{"type": "Angle", "lines": [[[0,0,0],[1,0,0]], [[0,0,0],[1,0,0],[2,0,0]]], "version": {"major": 1, "minor": 0}}""", "/lines/1" },
        { "MANG", """{"type": "Multiple angles", "angles": [{"lines": [[[0,0,0],[1,0,0]], [[0,0,0],[1,0]]]}], "version": {"major": 1, "minor": 0}}""", "/angles/0/lines/1/1" },
        { "ELLI", """{"type": "Ellipse", "major_axis": [[0,0,0],[1,0,0]], "version": {"major": 1, "minor": 0}}""", "minor_axis" },
        { "ELLI", """{"type": "Ellipse", "major_axis": [[0,0,0]], "minor_axis": [[0,0,0],[1,0,0]], "version": {"major": 1, "minor": 0}}""", "/major_axis" },
        { "MELL", """{"type": "Multiple ellipses", "ellipses": [{"major_axis": [[0,0,0],[1,0,0]], "minor_axis": [[0,0,0],[1,0,0]], "probability": -0.1}], "version": {"major": 1, "minor": 0}}""", "/ellipses/0/probability" },
        // a three-point angle is exactly three points
        { "3ANG", """{"type": "Three-point angle", "angle": [[0,0,0],[1,0,0]], "version": {"major": 1, "minor": 0}}""", "/angle" },
        { "3ANG", """{"type": "Angle", "angle": [[0,0,0],[1,0,0],[1,1,0]], "version": {"major": 1, "minor": 0}}""", "/type" },
        { "M3AN", """{"type": "Multiple three-point angles", "angles": [{"angle": [[0,0,0],[1,0,0],[1,1,0],[2,2,2]]}], "version": {"major": 1, "minor": 0}}""", "/angles/0/angle" },
        // a 4×4 matrix under "3d_affine_transform"
        { "ATRG", """{"3d_affine_transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0]]}""", "/3d_affine_transform" },
        { "ATRG", """{"3d_affine_transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0]]}""", "/3d_affine_transform/3" },
        { "ATRG", """{"3d_affine_transform": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,"1"]]}""", "/3d_affine_transform/3/3" },
        { "ATRG", """{"affine": [[1,0,0,0],[0,1,0,0],[0,0,1,0],[0,0,0,1]]}""", "3d_affine_transform" },
    };

    [Fact]
    public void Every_json_kind_has_an_example_and_every_kind_of_the_reference_table_exists()
    {
        Examples.Keys.Should().BeEquivalentTo(SocketKinds.All.Where(k => k.IsJson).Select(k => k.Code));
        SocketKinds.All.Select(k => k.Code).Should().BeEquivalentTo(
            "STR", "INT", "FLT", "BOOL", "JSON", "CHART", "2DBB", "M2DB", "DIST", "MDIS", "POIN", "MPOI", "POLY", "MPOL", "LINE", "MLIN",
            "ANGL", "MANG", "ELLI", "MELL", "3ANG", "M3AN", "ATRG", "CHOI", "MCHO", "IMG", "SEG", "HMAP", "DSPF", "DCMIS", "PDF", "SQREG",
            "JPEG", "PNG", "OBJ", "MP4", "NEWCK", "BIOM", "CSV", "ZIP");
    }

    [Theory]
    [MemberData(nameof(JsonKinds))]
    public void The_example_document_of_each_json_kind_is_valid(string kind)
    {
        using var document = JsonDocument.Parse(Examples[kind]);

        ValueSchemas.Validate(kind, null, document.RootElement).Should().BeNull();
    }

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public void Invalid_documents_are_refused_with_a_message_naming_the_place(string kind, string json, string expectedInMessage)
    {
        using var document = JsonDocument.Parse(json);

        var error = ValueSchemas.Validate(kind, null, document.RootElement);

        error.Should().StartWith("JSON does not fulfill schema: ").And.Contain(expectedInMessage);
    }

    [Fact]
    public void Every_annotation_kind_refuses_an_extra_property_and_a_missing_version()
    {
        foreach (var kind in SocketKinds.All.Where(k => k.IsJson && Examples[k.Code].TrimStart().StartsWith('{') && k.Code is not ("JSON" or "CHART" or "ATRG")))
        {
            var example = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Examples[kind.Code])!;
            var extra = new Dictionary<string, JsonElement>(example) { ["unexpected"] = JsonDocument.Parse("1").RootElement };
            var withoutVersion = example.Where(p => p.Key != "version").ToDictionary();
            var wrongType = new Dictionary<string, JsonElement>(example) { ["type"] = JsonDocument.Parse("\"Something else\"").RootElement };

            Validate(kind.Code, extra).Should().Contain("'unexpected' is not an allowed property", kind.Code);
            Validate(kind.Code, withoutVersion).Should().Contain("version", kind.Code);
            Validate(kind.Code, wrongType).Should().Contain("/type", kind.Code);
        }

        static string? Validate(string kind, Dictionary<string, JsonElement> value) =>
            ValueSchemas.Validate(kind, null, JsonSerializer.SerializeToElement(value));
    }

    [Fact]
    public void Anything_accepts_any_json_including_null()
    {
        foreach (var json in new[] { "null", "1", "\"x\"", "[1, {\"a\": null}]", "{}" })
        {
            ValueSchemas.Validate("JSON", null, JsonDocument.Parse(json).RootElement).Should().BeNull(json);
        }
    }

    [Fact]
    public void A_socket_schema_must_be_satisfied_as_well_as_the_kind()
    {
        const string schema = """{"type": "string", "maxLength": 3}""";

        ValueSchemas.Validate("STR", schema, JsonDocument.Parse("\"abc\"").RootElement).Should().BeNull();
        ValueSchemas.Validate("STR", schema, JsonDocument.Parse("\"abcd\"").RootElement).Should().StartWith("JSON does not fulfill schema:");
        ValueSchemas.Validate("INT", """{"minimum": 10}""", JsonDocument.Parse("5").RootElement).Should().Contain("(root)");
        // The kind still applies when the socket's schema would allow more.
        ValueSchemas.Validate("INT", """{"type": ["integer", "string"]}""", JsonDocument.Parse("\"5\"").RootElement).Should().NotBeNull();
    }

    [Fact]
    public void A_socket_schema_with_its_own_definitions_resolves_them_against_itself()
    {
        const string schema = """{"definitions": {"short": {"maxLength": 2}}, "$ref": "#/definitions/short"}""";

        ValueSchemas.CheckSocketSchema(JsonDocument.Parse(schema).RootElement).Should().BeNull();
        ValueSchemas.Validate("STR", schema, JsonDocument.Parse("\"ab\"").RootElement).Should().BeNull();
        ValueSchemas.Validate("STR", schema, JsonDocument.Parse("\"abc\"").RootElement).Should().NotBeNull();
    }

    [Theory]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("""{"type": "nope"}""", "not a valid JSON Schema")]
    [InlineData("""{"minItems": -1}""", "not a valid JSON Schema")]
    [InlineData("""{"$ref": "https://example.org/schema.json"}""", "only references inside the schema")]
    [InlineData("""{"properties": {"a": {"$ref": "#/definitions/missing"}}}""", "not a valid JSON Schema")]
    [InlineData("""{"$schema": "https://json-schema.org/draft/2020-12/schema"}""", "draft-07")]
    public void Invalid_socket_schemas_are_explained(string schema, string expected)
    {
        ValueSchemas.CheckSocketSchema(JsonDocument.Parse(schema).RootElement).Should().Contain(expected);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["a"]}""")]
    [InlineData("""{"type": "number", "minimum": 0, "maximum": 1}""")]
    public void Valid_socket_schemas_pass(string schema)
    {
        ValueSchemas.CheckSocketSchema(JsonDocument.Parse(schema).RootElement).Should().BeNull();
    }

    [Fact]
    public void Long_error_lists_are_cut_short()
    {
        var value = JsonDocument.Parse("""["a", 1, 2, 3, 4, 5, 6, 7]""").RootElement;

        var error = ValueSchemas.Validate("MCHO", null, value);

        error.Should().Contain("/1").And.Contain("and 2 more").And.NotContain("/7");
    }
}

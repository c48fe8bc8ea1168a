using System.Text.Json;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class SocketRulesTests
{
    [Theory]
    [InlineData("JSON", "results.json")]
    [InlineData("JSON", "sub/folder/results.json")]
    [InlineData("2DBB", "annotation.json")]
    [InlineData("PDF", "files/file.pdf")]
    [InlineData("CSV", "predictions.csv")]
    [InlineData("ZIP", "predictions.zip")]
    [InlineData("JPEG", "thumb.jpeg")]
    [InlineData("IMG", "images/non-legacy-image")]
    [InlineData("SEG", "images/ct/lung-segmentation")]
    [InlineData("IMG", "images/.hidden")]
    [InlineData("JSON", "my inputs.json")]
    [InlineData("JSON", "folder/inputs.json")]
    public void Valid_relative_paths_pass(string kind, string path)
    {
        SocketRules.CheckRelativePath(SocketKinds.Get(kind), path).Should().BeNull();
    }

    [Theory]
    [InlineData("JSON", "", "required")]
    [InlineData("JSON", "/results.json", "must not begin or end with '/'")]
    [InlineData("IMG", "images/ct/", "must not begin or end with '/'")]
    [InlineData("JSON", "a//results.json", "should be a/results.json")]
    [InlineData("JSON", "./results.json", "should be results.json")]
    [InlineData("JSON", "a/./results.json", "should be a/results.json")]
    [InlineData("JSON", "a/../results.json", "should be results.json")]
    [InlineData("JSON", "../results.json", "leave the input or output folder")]
    [InlineData("JSON", "a/../../results.json", "leave the input or output folder")]
    [InlineData("JSON", "a\\results.json", "'/'")]
    [InlineData("JSON", "res\nults.json", "control characters")]
    [InlineData("JSON", "case-0c1c4b9e-2d0f-4c5a-9e36-8a3b7a1d2e4f.json", "UUID")]
    [InlineData("IMG", "images/0C1C4B9E-2D0F-4C5A-9E36-8A3B7A1D2E4F", "UUID")]
    [InlineData("JSON", "inputs.json", "reserved")]
    [InlineData("JSON", "INPUTS.JSON", "reserved")]
    [InlineData("JSON", "results.txt", "should end with .json")]
    [InlineData("PDF", "report.json", "should end with .pdf")]
    [InlineData("JPEG", "thumb.jpg", "should end with .jpeg")]
    [InlineData("IMG", "ct-scan", "should start with images/")]
    [InlineData("HMAP", "images", "should start with images/")]
    [InlineData("IMG", "images/scan.mha", "should be a directory")]
    [InlineData("JSON", "images/results.json", "should not start with images/")]
    [InlineData("CSV", "images/predictions.csv", "should not start with images/")]
    public void Invalid_relative_paths_are_refused_with_the_rule_they_break(string kind, string path, string expected)
    {
        SocketRules.CheckRelativePath(SocketKinds.Get(kind), path).Should().Contain(expected);
    }

    [Fact]
    public void A_relative_path_is_at_most_255_characters()
    {
        var path = new string('a', 250) + ".json";
        SocketRules.CheckRelativePath(SocketKinds.Get("JSON"), path).Should().BeNull();
        SocketRules.CheckRelativePath(SocketKinds.Get("JSON"), "a" + path).Should().Contain("255");
    }

    [Theory]
    [InlineData("Generic Medical Image", "generic-medical-image")]
    [InlineData("  Results   JSON -- File ", "results-json-file")]
    [InlineData("Ünïcödé Çase", "unicode-case")]
    [InlineData("2D bounding box (left_eye)!", "2d-bounding-box-left_eye")]
    [InlineData("__x__", "x")]
    [InlineData("!!!", "")]
    public void Slugs_follow_djangos_slugify(string title, string slug)
    {
        SocketRules.Slugify(title).Should().Be(slug);
    }

    [Fact]
    public void Slugs_are_cut_to_50_characters()
    {
        SocketRules.Slugify(new string('a', 49) + " bcd").Should().Be(new string('a', 49));
    }

    [Theory]
    [InlineData("""[{"name": "tumour", "visible": true, "voxel_value": 1}]""")]
    [InlineData("""[{"name": "b", "visible": false, "voxel_value": 2}, {"name": "a", "visible": true, "voxel_value": 1}]""")]
    [InlineData("""[{"name": "background", "visible": false, "voxel_value": 0}, {"name": "a", "visible": true, "voxel_value": 1}]""")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1, "metric_template": "{{metrics.volumes[0]}} mm³"}]""")]
    public void Valid_overlay_segments_pass(string json)
    {
        var (canonical, error) = SocketRules.CheckOverlaySegments(JsonDocument.Parse(json).RootElement);

        error.Should().BeNull();
        canonical.Should().NotBeNull();
    }

    [Theory]
    [InlineData("""{"name": "a"}""", "must be a list")]
    [InlineData("""[1]""", "must be an object")]
    [InlineData("""[{"visible": true, "voxel_value": 1}]""", "needs a \"name\"")]
    [InlineData("""[{"name": "a", "voxel_value": 1}]""", "needs \"visible\"")]
    [InlineData("""[{"name": "a", "visible": true}]""", "voxel_value")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1.5}]""", "whole number")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": -1}]""", "whole number")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1, "colour": "red"}]""", "'colour' is not an allowed property")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 2}]""", "contiguous")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1}, {"name": "b", "visible": true, "voxel_value": 3}]""", "contiguous")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1}, {"name": "a", "visible": true, "voxel_value": 2}]""", "name 'a' is used more than once")]
    [InlineData("""[{"name": "a", "visible": true, "voxel_value": 1}, {"name": "b", "visible": true, "voxel_value": 1}]""", "voxel value 1 is used more than once")]
    public void Invalid_overlay_segments_are_explained(string json, string expected)
    {
        SocketRules.CheckOverlaySegments(JsonDocument.Parse(json).RootElement).Error.Should().Contain(expected);
    }

    [Fact]
    public void At_most_64_overlay_segments()
    {
        string Segments(int n) => JsonSerializer.Serialize(Enumerable.Range(1, n).Select(i => new { name = $"s{i}", visible = true, voxel_value = i }));

        SocketRules.CheckOverlaySegments(JsonDocument.Parse(Segments(64)).RootElement).Error.Should().BeNull();
        SocketRules.CheckOverlaySegments(JsonDocument.Parse(Segments(65)).RootElement).Error.Should().Contain("At most 64");
    }

    [Fact]
    public void Overlay_segments_are_preserved_when_only_extended_or_their_visibility_changes()
    {
        const string old = """[{"name": "a", "visible": true, "voxel_value": 1}]""";

        SocketRules.OverlaySegmentsPreserved(old, """[{"name": "a", "visible": false, "voxel_value": 1}, {"name": "b", "visible": true, "voxel_value": 2}]""").Should().BeTrue();
        SocketRules.OverlaySegmentsPreserved(old, """[{"name": "renamed", "visible": true, "voxel_value": 1}]""").Should().BeFalse();
        SocketRules.OverlaySegmentsPreserved(old, """[{"name": "a", "visible": true, "voxel_value": 2}]""").Should().BeFalse();
        SocketRules.OverlaySegmentsPreserved(old, null).Should().BeFalse();
        SocketRules.OverlaySegmentsPreserved(null, old).Should().BeTrue();
    }
}

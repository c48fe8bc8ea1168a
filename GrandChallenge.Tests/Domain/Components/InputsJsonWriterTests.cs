using System.Text.Json;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class InputsJsonWriterTests
{
    internal static readonly Guid ImageId = Guid.Parse("d2856bc1-fe72-42d7-b8b7-1622527b8311");

    internal static IReadOnlyList<StagedInput> Inputs(string imagePath = "/data/images/d2856bc1.mha") =>
    [
        new(new Socket { Id = 7, Title = "Lesion count", Slug = "lesion-count", Description = "How many", Kind = "INT", RelativePath = "lesion-count.json",
                StoreInDatabase = true, DefaultValue = "0" },
            new SocketValue { Id = 101, SocketId = 7, Value = "3" }),
        new(new Socket { Id = 8, Title = "Report", Slug = "report", Kind = "PDF", RelativePath = "files/report.pdf" },
            new SocketValue { Id = 102, SocketId = 8, FileName = "report.pdf" }),
        new(new Socket { Id = 9, Title = "Mask", Slug = "mask", Kind = "SEG", RelativePath = "images/mask",
                OverlaySegments = """[{"name":"tumour","visible":true,"voxel_value":1}]""" },
            new SocketValue { Id = 103, SocketId = 9, ImageId = ImageId },
            new InputImage(ImageId, "case-1 mask", imagePath)),
        new(new Socket { Id = 10, Title = "Points", Slug = "points", Kind = "MPOI", RelativePath = "points.json", StoreInDatabase = false },
            new SocketValue { Id = 104, SocketId = 10, FileName = "points.json", ValueHash = new string('a', 64) }),
    ];

    private const string Golden = """
        [
          {
            "interface": {
              "title": "Lesion count",
              "description": "How many",
              "slug": "lesion-count",
              "kind": "Integer",
              "pk": 7,
              "default_value": 0,
              "super_kind": "Value",
              "relative_path": "lesion-count.json",
              "overlay_segments": [],
              "look_up_table": null
            },
            "value": 3,
            "file": null,
            "image": null,
            "pk": 101
          },
          {
            "interface": {
              "title": "Report",
              "description": "",
              "slug": "report",
              "kind": "PDF file",
              "pk": 8,
              "default_value": null,
              "super_kind": "File",
              "relative_path": "files/report.pdf",
              "overlay_segments": [],
              "look_up_table": null
            },
            "value": null,
            "file": "/input/files/report.pdf",
            "image": null,
            "pk": 102
          },
          {
            "interface": {
              "title": "Mask",
              "description": "",
              "slug": "mask",
              "kind": "Segmentation",
              "pk": 9,
              "default_value": null,
              "super_kind": "Image",
              "relative_path": "images/mask",
              "overlay_segments": [
                {
                  "name": "tumour",
                  "visible": true,
                  "voxel_value": 1
                }
              ],
              "look_up_table": null
            },
            "value": null,
            "file": null,
            "image": {
              "pk": "d2856bc1-fe72-42d7-b8b7-1622527b8311",
              "name": "case-1 mask"
            },
            "pk": 103
          },
          {
            "interface": {
              "title": "Points",
              "description": "",
              "slug": "points",
              "kind": "Multiple points",
              "pk": 10,
              "default_value": null,
              "super_kind": "File",
              "relative_path": "points.json",
              "overlay_segments": [],
              "look_up_table": null
            },
            "value": null,
            "file": "/input/points.json",
            "image": null,
            "pk": 104
          }
        ]

        """;

    [Fact]
    public void Inputs_json_has_grand_challenges_shape()
    {
        InputsJsonWriter.ToJson(Inputs()).ReplaceLineEndings("\n").Should().Be(Golden.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_socket_object_carries_every_field_gcapi_requires_with_the_right_types()
    {
        using var document = JsonDocument.Parse(InputsJsonWriter.ToJson(Inputs()));

        foreach (var input in document.RootElement.EnumerateArray())
        {
            input.EnumerateObject().Select(p => p.Name).Should().Equal("interface", "value", "file", "image", "pk");
            var socket = input.GetProperty("interface");
            socket.EnumerateObject().Select(p => p.Name).Should().Equal(
                "title", "description", "slug", "kind", "pk", "default_value", "super_kind", "relative_path", "overlay_segments", "look_up_table");
            socket.GetProperty("pk").ValueKind.Should().Be(JsonValueKind.Number);
            socket.GetProperty("super_kind").GetString().Should().BeOneOf("Image", "File", "Value");
            input.GetProperty("pk").ValueKind.Should().Be(JsonValueKind.Number);
        }
    }

    [Fact]
    public void An_empty_job_still_gets_an_inputs_json()
    {
        InputsJsonWriter.ToJson([]).Should().Be("[]\n");
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Data;
using GrandChallenge.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrandChallenge.Tests.Web;

/// <summary>/api/v1/components/interfaces/ through the real host; run on SQLite and on PostgreSQL.</summary>
public abstract class SocketApiTests(AppFixture fixture)
{
    private static readonly string[] SocketFields =
        ["title", "description", "slug", "kind", "pk", "default_value", "super_kind", "relative_path", "overlay_segments", "look_up_table"];

    private GrandChallengeAppFactory App => fixture.App;

    private static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<HttpClient> AdminAsync() => await App.CreateClientForNewUserAsync(Unique("sadmin"), siteAdmin: true);

    [Fact]
    public async Task The_default_sockets_exist_once_with_grand_challenges_titles_kinds_and_paths()
    {
        await DefaultSockets.EnsureAsync(App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>());
        var client = await App.CreateClientForNewUserAsync(Unique("reader"));

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/components/interfaces/?limit=1000");
        var byslug = page.GetProperty("results").EnumerateArray().ToDictionary(s => s.GetProperty("slug").GetString()!);

        var expected = new (string Slug, string Title, string Kind, string SuperKind, string Path)[]
        {
            ("generic-medical-image", "Generic Medical Image", "Image", "Image", ""),
            ("generic-overlay", "Generic Overlay", "Heat Map", "Image", "images"),
            ("results-json-file", "Results JSON File", "Anything", "Value", "results.json"),
            ("predictions-json-file", "Predictions JSON File", "Anything", "Value", "predictions.json"),
            ("predictions-csv-file", "Predictions CSV File", "CSV file", "File", "predictions.csv"),
            ("predictions-zip-file", "Predictions ZIP File", "ZIP file", "File", "predictions.zip"),
            ("metrics-json-file", "Metrics JSON File", "Anything", "Value", "metrics.json"),
        };
        foreach (var (slug, title, kind, superKind, path) in expected)
        {
            var socket = byslug[slug];
            socket.GetProperty("title").GetString().Should().Be(title);
            socket.GetProperty("kind").GetString().Should().Be(kind);
            socket.GetProperty("super_kind").GetString().Should().Be(superKind);
            socket.GetProperty("relative_path").GetString().Should().Be(path);
        }

        var slugs = expected.Select(e => e.Slug).ToArray();
        var reserved = DefaultSockets.ReservedSlugs.ToArray();
        App.Db(db => db.Sockets.Count(s => slugs.Contains(s.Slug))).Should().Be(7, "seeding twice creates nothing new");
        App.Db(db => db.Sockets.Count(s => reserved.Contains(s.Slug))).Should().Be(5);
    }

    [Fact]
    public async Task Sockets_answer_in_grand_challenges_shape_with_exact_json_content_type()
    {
        var admin = await AdminAsync();
        var created = await admin.PostAsJsonAsync("/api/v1/components/interfaces/", new
        {
            title = Unique("Tumour mask "),
            kind = "Segmentation",
            relative_path = $"images/{Unique("mask-")}",
            description = "Where the tumour is",
            overlay_segments = new[] { new { name = "tumour", visible = true, voxel_value = 1 } },
        });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var socket = await created.Content.ReadFromJsonAsync<JsonElement>();
        var pk = socket.GetProperty("pk").GetInt32();
        created.Headers.Location!.ToString().Should().Be($"/api/v1/components/interfaces/{pk}/");

        var response = await (await App.CreateClientForNewUserAsync(Unique("reader"))).GetAsync($"/api/v1/components/interfaces/{pk}/");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.ToString().Should().Be("application/json");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        json.EnumerateObject().Select(p => p.Name).Should().Equal(SocketFields);
        json.GetProperty("pk").ValueKind.Should().Be(JsonValueKind.Number);
        json.GetProperty("kind").GetString().Should().Be("Segmentation");
        json.GetProperty("super_kind").GetString().Should().Be("Image");
        json.GetProperty("default_value").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("look_up_table").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("overlay_segments")[0].GetProperty("voxel_value").GetInt32().Should().Be(1);
        json.GetProperty("slug").GetString().Should().StartWith("tumour-mask-");
    }

    [Fact]
    public async Task Clients_find_a_socket_by_slug_and_page_through_the_list()
    {
        var client = await App.CreateClientForNewUserAsync(Unique("reader"));

        var bySlug = await client.GetFromJsonAsync<JsonElement>("/api/v1/components/interfaces/?slug=generic-overlay");
        var none = await client.GetFromJsonAsync<JsonElement>("/api/v1/components/interfaces/?slug=no-such-socket");
        var firstPage = await client.GetFromJsonAsync<JsonElement>("/api/v1/components/interfaces/?limit=2");
        var pastTheEnd = await client.GetFromJsonAsync<JsonElement>("/api/v1/components/interfaces/?offset=100000");

        bySlug.GetProperty("count").GetInt32().Should().Be(1);
        bySlug.GetProperty("results")[0].GetProperty("kind").GetString().Should().Be("Heat Map");
        none.GetProperty("count").GetInt32().Should().Be(0);
        firstPage.GetProperty("results").GetArrayLength().Should().Be(2);
        firstPage.GetProperty("next").GetString().Should().Contain("offset=2");
        pastTheEnd.GetProperty("results").GetArrayLength().Should().Be(0);
        (await client.GetAsync("/api/v1/components/interfaces/999999/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invalid_sockets_get_problem_details_with_errors_per_field_and_nothing_is_created()
    {
        var admin = await AdminAsync();
        var before = App.Db(db => db.Sockets.Count());

        var response = await admin.PostAsJsonAsync("/api/v1/components/interfaces/", new
        {
            title = "Results JSON File",
            kind = "Integer",
            relative_path = "images/count.txt",
            default_value = "three",
            schema = new { type = "nope" },
        });
        var malformed = await admin.PostAsync("/api/v1/components/interfaces/", new StringContent("{\"title\": ", Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("title", "relative_path", "schema");
        errors.GetProperty("title")[0].GetString().Should().Contain("already exists");
        malformed.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        App.Db(db => db.Sockets.Count()).Should().Be(before);
    }

    [Fact]
    public async Task A_value_socket_keeps_its_default_value_and_schema()
    {
        var admin = await AdminAsync();

        var response = await admin.PostAsJsonAsync("/api/v1/components/interfaces/", new
        {
            title = Unique("Threshold "),
            kind = "FLT",
            relative_path = $"{Unique("threshold-")}.json",
            default_value = 0.5,
            schema = new { minimum = 0, maximum = 1 },
        });
        var outOfRange = await admin.PostAsJsonAsync("/api/v1/components/interfaces/", new
        {
            title = Unique("Threshold "),
            kind = "FLT",
            relative_path = $"{Unique("threshold-")}.json",
            default_value = 2,
            schema = new { minimum = 0, maximum = 1 },
        });

        var socket = await response.Content.ReadFromJsonAsync<JsonElement>();
        socket.GetProperty("default_value").GetDouble().Should().Be(0.5);
        socket.GetProperty("super_kind").GetString().Should().Be("Value");
        (await outOfRange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("default_value")[0].GetString()
            .Should().StartWith("JSON does not fulfill schema");
        App.Db(db => db.Sockets.Single(s => s.Id == socket.GetProperty("pk").GetInt32()).Schema).Should().Be("""{"maximum":1,"minimum":0}""");
    }

    [Fact]
    public async Task Values_are_shared_and_immutable_on_this_database_too()
    {
        var sockets = App.Services.GetRequiredService<ISocketService>();
        var values = App.Services.GetRequiredService<ISocketValueService>();
        var socket = (await sockets.CreateAsync(new GrandChallenge.Domain.Identity.Actor(Guid.NewGuid(), true),
            new SocketDraft(Unique("Choice "), "MCHO", $"{Unique("choice-")}.json"))).Value!;

        var a = await values.GetOrCreateJsonAsync(socket, System.Text.Json.Nodes.JsonNode.Parse("""["x", "y"]"""));
        var b = await values.GetOrCreateJsonAsync(socket, System.Text.Json.Nodes.JsonNode.Parse("""[ "x","y" ]"""));
        var c = await values.GetOrCreateJsonAsync(socket, System.Text.Json.Nodes.JsonNode.Parse("""["y", "x"]"""));

        b.Value!.Id.Should().Be(a.Value!.Id);
        c.Value!.Id.Should().NotBe(a.Value.Id);
        await using var db = App.Services.GetRequiredService<AppDbContextFactory>().CreateDbContext();
        var stored = await db.SocketValues.SingleAsync(v => v.Id == a.Value.Id);
        stored.Value = "[\"z\"]";
        var save = () => db.SaveChangesAsync();
        await save.Should().ThrowAsync<InvalidOperationException>();
    }
}

[Trait("Category", "Integration")]
public sealed class SqliteSocketApiTests(SqliteAppFixture fixture) : SocketApiTests(fixture), IClassFixture<SqliteAppFixture>;

[Trait("Category", "Postgres")]
public sealed class PostgresSocketApiTests(PostgresAppFixture fixture) : SocketApiTests(fixture), IClassFixture<PostgresAppFixture>;

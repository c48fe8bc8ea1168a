using System.Net;
using System.Text.RegularExpressions;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>Submits the static-rendered account forms the way a browser without script would.</summary>
public static partial class FormPoster
{
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string path, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetAsync(path);
        page.StatusCode.Should().Be(HttpStatusCode.OK, $"GET {path} should render the form");
        var html = await page.Content.ReadAsStringAsync();
        var token = AntiforgeryField().Match(html);
        token.Success.Should().BeTrue($"{path} should carry an antiforgery token");

        var body = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            ["_handler"] = formName,
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(body));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

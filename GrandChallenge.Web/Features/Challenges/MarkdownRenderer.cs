using Ganss.Xss;
using Markdig;

namespace GrandChallenge.Web.Features.Challenges;

/// <summary>
/// Challenge pages' markdown as HTML that is safe to show: Markdig renders it (HTML inside is allowed, as on
/// grand-challenge.org), then HtmlSanitizer keeps only harmless tags, attributes and http(s)/mailto links, so
/// no script, event handler or <c>javascript:</c> link survives.
/// </summary>
public sealed class MarkdownRenderer
{
    private static readonly string[] Forbidden = ["form", "input", "button", "select", "option", "textarea", "label", "fieldset", "legend", "style"];

    private readonly MarkdownPipeline _pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseGridTables()
        .UseEmphasisExtras()
        .UseAutoLinks()
        .UseTaskLists()
        .UseFootnotes()
        .UseListExtras()
        .Build();

    private readonly HtmlSanitizer _sanitizer = CreateSanitizer();

    public string ToHtml(string? markdown)
    {
        var html = Markdown.ToHtml(markdown ?? "", _pipeline);
        return _sanitizer.Sanitize(html);
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in Forbidden)
        {
            sanitizer.AllowedTags.Remove(tag);
        }

        sanitizer.AllowedAttributes.Add("class");
        sanitizer.AllowedAttributes.Remove("action");
        sanitizer.AllowedAttributes.Remove("formaction");
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.UriAttributes.Add("poster");
        return sanitizer;
    }
}

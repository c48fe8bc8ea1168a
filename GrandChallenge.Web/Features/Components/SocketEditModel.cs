using System.Text.Json;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Web.Features.Components;

/// <summary>The create-socket form; the service validates, and its field errors come back under snake_case names.</summary>
public sealed class SocketEditModel
{
    public string? Title { get; set; }
    public string? Kind { get; set; }
    public string? RelativePath { get; set; }
    public string? Description { get; set; }
    public bool StoreInDatabase { get; set; }
    public string? DefaultValue { get; set; }
    public string? Schema { get; set; }
    public string? OverlaySegments { get; set; }

    /// <summary>The field-error key of a <see cref="SocketDraft"/> property (<c>RelativePath</c> → <c>relative_path</c>).</summary>
    public static string FieldName(string property) => JsonNamingPolicy.SnakeCaseLower.ConvertName(property);

    public SocketDraft ToDraft() => new(Title, Kind, RelativePath, Description, DefaultValue, Schema, StoreInDatabase, OverlaySegments);

    public void Clear()
    {
        Title = RelativePath = Description = DefaultValue = Schema = OverlaySegments = null;
    }
}

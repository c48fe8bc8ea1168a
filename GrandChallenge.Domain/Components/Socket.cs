using GrandChallenge.Domain.Common;

namespace GrandChallenge.Domain.Components;

/// <summary>
/// A typed, named slot with a fixed path inside a container's <c>/input</c> or <c>/output</c> folder
/// (grand-challenge.org's <c>ComponentInterface</c>). The id is an integer because grand-challenge.org's
/// clients require one.
/// </summary>
public class Socket : IHasTimestamps
{
    public int Id { get; set; }
    public required string Title { get; set; }
    /// <summary>Made from the title on creation and never changed: clients look sockets up by slug.</summary>
    public required string Slug { get; set; }
    public string Description { get; set; } = "";
    /// <summary>The kind's code (see <see cref="SocketKinds"/>).</summary>
    public required string Kind { get; set; }
    public required string RelativePath { get; set; }
    /// <summary>JSON text of the default value, for Value sockets only.</summary>
    public string? DefaultValue { get; set; }
    /// <summary>JSON text of an extra JSON Schema that values must satisfy too.</summary>
    public string? Schema { get; set; }
    /// <summary>True keeps JSON values in the database (super kind Value); false keeps them as files (super kind File).</summary>
    public bool StoreInDatabase { get; set; }
    /// <summary>JSON text of the segmentation's segments (Segmentation kind only).</summary>
    public string? OverlaySegments { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }

    public SocketKind KindInfo => SocketKinds.Get(Kind);

    public SocketSuperKind SuperKind => KindInfo.SuperKindFor(StoreInDatabase);

    /// <summary>Reserved sockets (predictions, metrics, results) cannot be chosen for algorithm interfaces.</summary>
    public bool IsReserved => DefaultSockets.ReservedSlugs.Contains(Slug);

    /// <summary>The file name a value of this socket is stored and staged under: the last segment of the relative path.</summary>
    public string FileName => RelativePath[(RelativePath.LastIndexOf('/') + 1)..];
}

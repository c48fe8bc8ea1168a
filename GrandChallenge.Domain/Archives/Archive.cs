using GrandChallenge.Domain.Common;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Domain.Archives;

/// <summary>
/// A collection of cases (grand-challenge.org's <c>Archive</c>). Who may do what comes from object roles of kind
/// <c>archive</c>: editors change it, editors and uploaders add items, all three view and use it; a public archive is
/// visible to everyone.
/// </summary>
public class Archive : IHasTimestamps
{
    public const int MaxTitleLength = 255;
    public const int MaxSlugLength = 50;

    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Title { get; set; }
    public required string Slug { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Markdown shown on the archive's page.</summary>
    public string Detail { get; set; } = "";
    public bool Public { get; set; }
    public string? LogoBlobKey { get; set; }
    /// <summary>Secret (base64, 32 random bytes) that makes DICOM pseudonyms and remapped UIDs consistent within this archive and unrelated across archives.</summary>
    public string DeidentificationKey { get; set; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    public Guid? CreatorId { get; set; }
    public List<ArchiveItem> Items { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>One case of an archive: at most one socket value per socket (images, files, JSON).</summary>
public class ArchiveItem : IHasTimestamps
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ArchiveId { get; set; }
    public Archive? Archive { get; set; }
    /// <summary>Unique within the archive when not empty.</summary>
    public string Title { get; set; } = "";
    public List<ArchiveItemValue> Values { get; set; } = [];
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Modified { get; set; }
}

/// <summary>The value an item holds for one socket.</summary>
public class ArchiveItemValue
{
    public Guid ArchiveItemId { get; set; }
    public ArchiveItem? Item { get; set; }
    public int SocketId { get; set; }
    public Socket? Socket { get; set; }
    public long SocketValueId { get; set; }
    public SocketValue? Value { get; set; }
}

namespace GrandChallenge.Domain.Components;

/// <summary>
/// One concrete value of a socket (grand-challenge.org's <c>ComponentInterfaceValue</c>): a JSON value kept in the
/// database, a file in the blob store, or an image. Values are immutable — every column refuses changes once saved —
/// and shared: equal JSON values and the same image are stored once per socket and reused.
/// </summary>
public class SocketValue
{
    public long Id { get; set; }
    public int SocketId { get; set; }
    public Socket? Socket { get; set; }
    /// <summary>Canonical JSON text (see <see cref="CanonicalJson"/>) when the value lives in the database.</summary>
    public string? Value { get; set; }
    /// <summary>SHA-256 of the canonical JSON, for JSON values kept in the database or as a file: finds equal values.</summary>
    public string? ValueHash { get; set; }
    /// <summary>The stored file's name when the value is a file; its blob is <see cref="BlobKey"/>.</summary>
    public string? FileName { get; set; }
    /// <summary>The image, for image kinds.</summary>
    public Guid? ImageId { get; set; }
    public Cases.Image? Image { get; set; }
    /// <summary>Bytes in the blob store (files only).</summary>
    public long SizeInStorage { get; set; }
    public DateTimeOffset Created { get; set; }

    /// <summary>Where the file lives: <c>components/values/&lt;id&gt;/&lt;file name&gt;</c>; derived, so it can never disagree with the row.</summary>
    public string? BlobKey => FileName is null ? null : KeyFor(Id, FileName);

    public static string KeyFor(long id, string fileName) => $"components/values/{id}/{fileName}";
}

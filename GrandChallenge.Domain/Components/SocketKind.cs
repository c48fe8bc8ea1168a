namespace GrandChallenge.Domain.Components;

/// <summary>How a socket's values travel: as an image, as a file, or as a JSON value kept in the database.</summary>
public enum SocketSuperKind
{
    Image,
    File,
    Value,
}

/// <summary>The family a kind belongs to, which decides its path rule and how its values are stored.</summary>
public enum SocketKindGroup
{
    Json,
    Image,
    File,
}

/// <summary>
/// One kind of socket (grand-challenge.org's <c>InterfaceKindChoices</c>): its code as stored, the label the API shows,
/// the file extension its relative path ends with (JSON and file kinds), and whether values may be kept in the database.
/// </summary>
public sealed record SocketKind(
    string Code,
    string Label,
    SocketKindGroup Group,
    string? Extension,
    bool MayStoreInDatabase,
    IReadOnlyList<string> UploadExtensions,
    string? UnsupportedReason = null)
{
    public bool IsJson => Group == SocketKindGroup.Json;
    public bool IsImage => Group == SocketKindGroup.Image;
    public bool IsFile => Group == SocketKindGroup.File;
    public bool IsSupported => UnsupportedReason is null;

    /// <summary>Image kinds are always Image; JSON kinds are Value when kept in the database and File otherwise.</summary>
    public SocketSuperKind SuperKindFor(bool storeInDatabase) => Group switch
    {
        SocketKindGroup.Image => SocketSuperKind.Image,
        SocketKindGroup.Json when storeInDatabase => SocketSuperKind.Value,
        _ => SocketSuperKind.File,
    };
}

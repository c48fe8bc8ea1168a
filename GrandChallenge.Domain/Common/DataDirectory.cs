namespace GrandChallenge.Domain.Common;

/// <summary>
/// Where the platform keeps its files (SQLite database, blobs, keys, mail): the <c>DataDirectory</c> setting,
/// else the environment variable <c>GC_DATA_DIR</c>, else <c>./.data</c>.
/// </summary>
public sealed class DataDirectory
{
    public const string EnvironmentVariable = "GC_DATA_DIR";

    public DataDirectory(string path)
    {
        Root = Path.GetFullPath(path);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static DataDirectory FromEnvironment(string? configured = null) =>
        new(configured is { Length: > 0 }
            ? configured
            : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env ? env : Path.Combine(Directory.GetCurrentDirectory(), ".data"));

    /// <summary>A sub-folder, created on first use.</summary>
    public string Folder(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return path;
    }
}

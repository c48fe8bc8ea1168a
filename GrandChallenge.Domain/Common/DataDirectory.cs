namespace GrandChallenge.Domain.Common;

/// <summary>Where the platform keeps its files: <c>GC_DATA_DIR</c>, else <c>./.data</c>.</summary>
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
        new(Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } env
            ? env
            : configured is { Length: > 0 } ? configured : Path.Combine(Directory.GetCurrentDirectory(), ".data"));

    /// <summary>A sub-folder, created on first use.</summary>
    public string Folder(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return path;
    }
}

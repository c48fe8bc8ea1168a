namespace GrandChallenge.Tests.Infrastructure;

/// <summary>
/// What the suite needs from the machine. Parts that are missing make tests fail with a message that says
/// how to provide them; they never skip (./test.sh and .ci/run start everything).
/// </summary>
public static class TestEnvironment
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("GC_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "GC_TEST_POSTGRES is not set. Start a server with .ci/postgres.sh and export the connection string it prints (./test.sh does both).");

    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A fresh folder under the system temp folder, removed by the caller.</summary>
    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The repository's artifacts folder (screenshots, generated scripts).</summary>
    public static string ArtifactsDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GrandChallenge.sln")))
            {
                dir = dir.Parent;
            }

            var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    public static string RepositoryRoot => Path.GetDirectoryName(ArtifactsDirectory)!;
}

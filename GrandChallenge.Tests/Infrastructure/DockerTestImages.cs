using System.Collections.Concurrent;
using System.Diagnostics;

namespace GrandChallenge.Tests.Infrastructure;

/// <summary>Builds the images under <c>docker/test-images/&lt;name&gt;</c> (once per test run) and saves them as archives.</summary>
public static class DockerTestImages
{
    public const string BaseImage = "gc-base:busybox";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Built = new();
    private static readonly Lazy<Task> Base = new(EnsureBaseImageAsync);

    public static string Tag(string name) => $"gc-test/{name}:latest";

    /// <summary>Builds <c>docker/test-images/&lt;name&gt;/Dockerfile</c> as <see cref="Tag"/> and returns the tag.</summary>
    public static Task<string> BuildAsync(string name) =>
        Built.GetOrAdd(name, n => new Lazy<Task<string>>(async () =>
        {
            await Base.Value;
            var context = Path.Combine(TestEnvironment.RepositoryRoot, "docker", "test-images", n);
            if (!File.Exists(Path.Combine(context, "Dockerfile")))
            {
                throw new InvalidOperationException($"No Dockerfile in {context}.");
            }

            await RunAsync("docker", "build", "-q", "-t", Tag(n), context);
            return Tag(n);
        })).Value;

    /// <summary>
    /// Builds <c>docker/test-images/&lt;name&gt;</c> as a new image of its own (a unique label, so a unique image id) tagged
    /// <c>gc-test/&lt;name&gt;:&lt;unique&gt;</c>. Tests that load archives into the engine use it so each load really adds an
    /// image, and remove it afterwards.
    /// </summary>
    public static async Task<(string Tag, string Id)> BuildUniqueAsync(string name)
    {
        await Base.Value;
        var context = Path.Combine(TestEnvironment.RepositoryRoot, "docker", "test-images", name);
        var unique = Guid.NewGuid().ToString("N")[..12];
        var tag = $"gc-test/{name}:{unique}";
        var id = await RunAsync("docker", "build", "-q", "--label", $"org.grand-challenge.test-run={unique}", "-t", tag, context);
        return (tag, id.Trim());
    }

    /// <summary>Removes an image by tag or id; an image already gone is fine.</summary>
    public static async Task RemoveAsync(string reference)
    {
        try
        {
            await RunAsync("docker", "rmi", reference);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("No such image", StringComparison.OrdinalIgnoreCase))
        {
        }
    }

    /// <summary>Whether the engine holds the image (by id or tag).</summary>
    public static async Task<bool> ExistsAsync(string reference)
    {
        try
        {
            await RunAsync("docker", "image", "inspect", "--format", "{{.Id}}", reference);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary><c>docker save</c> of the given images into <paramref name="path"/>, compressed by its extension (.tar, .tar.gz, .tar.xz).</summary>
    public static async Task SaveAsync(string path, params string[] tags)
    {
        var tar = path.EndsWith(".tar", StringComparison.Ordinal) ? path : path + ".partial.tar";
        await RunAsync("docker", ["save", "-o", tar, .. tags]);
        if (path.EndsWith(".tar.gz", StringComparison.Ordinal))
        {
            await RunAsync("sh", "-c", $"gzip -c '{tar}' > '{path}' && rm '{tar}'");
        }
        else if (path.EndsWith(".tar.xz", StringComparison.Ordinal))
        {
            await RunAsync("sh", "-c", $"xz -T1 -0 -c '{tar}' > '{path}' && rm '{tar}'");
        }
    }

    public static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOCKER_BUILDKIT"] = "0";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed ({process.ExitCode}): {await stderr}");
        }

        return (await stdout).Trim();
    }

    private static async Task EnsureBaseImageAsync()
    {
        try
        {
            await RunAsync("docker", "image", "inspect", BaseImage);
        }
        catch (InvalidOperationException)
        {
            await RunAsync(Path.Combine(TestEnvironment.RepositoryRoot, "docker", "base-image.sh"));
        }
    }
}

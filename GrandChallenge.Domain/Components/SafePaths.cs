namespace GrandChallenge.Domain.Components;

/// <summary>
/// Finds a relative path inside a folder a container wrote, without ever following a symbolic link and without
/// leaving the folder: every segment is looked at before the next one is entered.
/// </summary>
public static class SafePaths
{
    public enum Problem
    {
        None,
        Missing,
        SymbolicLink,
        OutsideRoot,
        NotAFile,
        NotADirectory,
    }

    /// <summary>The full path of <paramref name="relativePath"/> under <paramref name="root"/>, or why it cannot be used.</summary>
    public static (string Path, Problem Problem) Resolve(string root, string relativePath, bool directory)
    {
        root = Path.GetFullPath(root);
        if (relativePath.Length == 0)
        {
            return directory ? (root, Problem.None) : (root, Problem.NotAFile);
        }

        if (SocketRules.Normalise(relativePath) is not { Length: > 0 } normalised || normalised != relativePath.Trim('/'))
        {
            return (root, Problem.OutsideRoot);
        }

        var current = root;
        var segments = normalised.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            current = Path.Combine(current, segments[i]);
            if (!IsInside(root, current))
            {
                return (current, Problem.OutsideRoot);
            }

            FileSystemInfo info = new FileInfo(current);
            if (!info.Exists)
            {
                info = new DirectoryInfo(current);
            }

            if (!info.Exists && info.LinkTarget is null)
            {
                return (current, Problem.Missing);
            }

            if (info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                return (current, Problem.SymbolicLink);
            }

            var isDirectory = info is DirectoryInfo;
            var last = i == segments.Length - 1;
            if (!last && !isDirectory)
            {
                return (current, Problem.Missing);
            }

            if (last && isDirectory != directory)
            {
                return (current, directory ? Problem.NotADirectory : Problem.NotAFile);
            }
        }

        return (current, Problem.None);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it.</summary>
    public static bool IsInside(string root, string path)
    {
        root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        path = Path.GetFullPath(path);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    public static bool IsSymbolicLink(FileSystemInfo info) => info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint);
}

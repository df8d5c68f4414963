using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>
/// Where a version file's new bytes go. A symbolic link is written through, so the link stays a link
/// and the file it shares gets the version (writing the link's own path would replace it with a
/// regular file and leave the shared file behind); a link that leaves the repository is refused,
/// since the release commit could not hold that change.
/// </summary>
public static class VersionFileTarget
{
    /// <param name="path">The version file as found or configured.</param>
    /// <param name="boundary">The repository's working directory (or the project root outside git).</param>
    public static string Resolve(string path, string boundary)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null)
        {
            return path;
        }
        var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        if (target is null || !File.Exists(target))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                $"the file the symbolic link {path} points to", $"a dangling link to {info.LinkTarget}",
                "Fix the link or the configured version files; nothing was changed", path);
        }
        var root = Path.GetFullPath(boundary).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var real = RealPath(target);
        if (!real.StartsWith(RealPath(root.TrimEnd(Path.DirectorySeparatorChar)) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.PermissionDenied,
                $"version files inside the repository {boundary}", $"{path} is a symbolic link to {real}, outside it",
                "The release commit cannot hold a change outside the repository: replace the link with the file, " +
                "or leave it out of the version files; nothing was changed", path);
        }
        return real;
    }

    // The folder of a path with every link in it resolved (/tmp may itself be a link on some systems).
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetDirectoryName(full);
        if (parent is null)
        {
            return full;
        }
        var resolvedParent = RealPath(parent);
        var candidate = Path.Combine(resolvedParent, Path.GetFileName(full));
        var link = new FileInfo(candidate).LinkTarget is not null || new DirectoryInfo(candidate).LinkTarget is not null
            ? (File.Exists(candidate) ? new FileInfo(candidate).ResolveLinkTarget(true)?.FullName : new DirectoryInfo(candidate).ResolveLinkTarget(true)?.FullName)
            : null;
        return link is null ? candidate : RealPath(link);
    }
}

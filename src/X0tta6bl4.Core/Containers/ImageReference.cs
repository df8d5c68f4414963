using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>
/// An image repository such as <c>ghcr.io/owner/repo</c> split into registry host and path, with
/// Docker's defaults (no host → docker.io, one path component → library/…).
/// </summary>
public sealed partial class ImageRepository
{
    public const string DockerHubHost = "docker.io";
    public const string DockerHubApiHost = "registry-1.docker.io";
    /// <summary>The key the docker CLI files Docker Hub credentials under.</summary>
    public const string DockerHubCredentialKey = "https://index.docker.io/v1/";

    private ImageRepository(string registry, string path)
    {
        Registry = registry;
        Path = path;
    }

    /// <summary>Registry host (and port), e.g. ghcr.io or 127.0.0.1:5000.</summary>
    public string Registry { get; }
    /// <summary>Repository path inside the registry, e.g. owner/repo.</summary>
    public string Path { get; }

    /// <summary>The name as docker spells it (docker.io/library/ omitted).</summary>
    public string Name => Registry == DockerHubHost
        ? (Path.StartsWith("library/", StringComparison.Ordinal) ? Path["library/".Length..] : Path)
        : Registry + "/" + Path;

    public bool IsDockerHub => Registry == DockerHubHost;
    public bool IsGitHubContainerRegistry => string.Equals(Registry, "ghcr.io", StringComparison.OrdinalIgnoreCase);

    /// <summary>The host the registry API answers on.</summary>
    public string ApiHost => IsDockerHub ? DockerHubApiHost : Registry;

    /// <summary>Loopback registries speak plain HTTP, as Docker treats 127.0.0.0/8 as insecure by default.</summary>
    public bool IsLoopback
    {
        get
        {
            var host = Registry;
            if (host.StartsWith('[')) host = host[1..host.IndexOf(']')];
            else if (host.Contains(':')) host = host[..host.LastIndexOf(':')];
            return host == "localhost" || host == "::1" || host.StartsWith("127.", StringComparison.Ordinal);
        }
    }

    public string Reference(string tag) => Name + ":" + tag;
    public string DigestReference(string digest) => Name + "@" + digest;

    public override string ToString() => Name;

    /// <summary>Parses a repository name (without tag or digest); upper case is refused as docker refuses it.</summary>
    /// <exception cref="X0Exception">X0.ImageRepositoryUnknown when the name is not valid.</exception>
    public static ImageRepository Parse(string name)
    {
        var text = name.Trim();
        if (text.Contains('@') || LastSegmentHasTag(text))
        {
            throw Invalid(name, "a repository name without a tag or digest (tags come from -Tag or the tag policy)");
        }
        string registry;
        string path;
        var slash = text.IndexOf('/');
        var first = slash < 0 ? string.Empty : text[..slash];
        if (slash > 0 && (first.Contains('.') || first.Contains(':') || first == "localhost"))
        {
            registry = first;
            path = text[(slash + 1)..];
        }
        else
        {
            registry = DockerHubHost;
            path = text;
        }
        if (registry is "index.docker.io" or "registry-1.docker.io") registry = DockerHubHost;
        if (registry == DockerHubHost && !path.Contains('/')) path = "library/" + path;
        if (!PathPattern().IsMatch(path))
        {
            throw Invalid(name, "lower-case path components of letters, digits and . _ - separators");
        }
        return new ImageRepository(registry.ToLowerInvariant(), path);
    }

    /// <summary>Whether <paramref name="tag"/> is a valid image tag (1–128 of [A-Za-z0-9_.-], not starting with . or -).</summary>
    public static bool IsValidTag(string tag) => TagPattern().IsMatch(tag);

    /// <summary>
    /// Turns a branch name into a valid tag: each run of invalid characters becomes one '-' (as
    /// docker/metadata-action does: renovate/@types/node → renovate-types-node), no leading '.' or '-',
    /// at most 128 characters.
    /// </summary>
    public static string SanitizeTag(string text)
    {
        var s = InvalidTagRun().Replace(text, "-").TrimStart('.', '-');
        if (s.Length > 128) s = s[..128];
        return s;
    }

    private static bool LastSegmentHasTag(string text)
    {
        var last = text[(text.LastIndexOf('/') + 1)..];
        // A colon in the first segment is a port, not a tag.
        return last.Contains(':') && text.Contains('/');
    }

    private static X0Exception Invalid(string name, string expected) =>
        new(ErrorIds.ImageRepositoryUnknown, X0ErrorCategory.InvalidArgument, expected, $"'{name}'",
            "Pass -Repository like ghcr.io/owner/name (lower case)", name);

    [GeneratedRegex(@"\A[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\z")]
    private static partial Regex PathPattern();

    [GeneratedRegex("[^A-Za-z0-9_.-]+")]
    private static partial Regex InvalidTagRun();

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z")]
    private static partial Regex TagPattern();
}

using System.Text.Json;
using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Containers;

/// <summary>Where the image's sources come from: the tag context plus the repository's identity.</summary>
/// <param name="Slug">owner/repo on GitHub, when known.</param>
/// <param name="SourceUrl">Web URL of the repository (for org.opencontainers.image.source).</param>
public sealed record ImageSource(ImageTagContext Context, string? Slug, string? SourceUrl, string Origin);

/// <summary>
/// Reads the tag context: inside GitHub Actions from GITHUB_REF, GITHUB_EVENT_NAME, GITHUB_SHA,
/// GITHUB_REPOSITORY and the event payload (pull request number, default branch); outside, from the
/// local repository (release tag at HEAD, branch, origin's default branch, origin's URL).
/// </summary>
public static partial class ImageSourceReader
{
    /// <summary>Events whose GITHUB_REF is always the default branch (as docker/metadata-action's is_default_branch).</summary>
    private static readonly HashSet<string> DefaultBranchEvents = new(StringComparer.Ordinal) { "schedule", "issues", "issue_comment", "discussion", "discussion_comment" };

    public static async Task<ImageSource> ReadAsync(string projectRoot, IReadOnlyDictionary<string, string?> env,
        TagFormat tagFormat, string remote, CancellationToken cancellation)
    {
        if (Get(env, "GITHUB_ACTIONS") == "true" && Get(env, "GITHUB_REF") is not null)
        {
            return FromActions(env, tagFormat);
        }
        return await FromLocalAsync(projectRoot, tagFormat, remote, cancellation).ConfigureAwait(false);
    }

    /// <summary>The context of a GitHub Actions run (pure apart from reading the event payload file).</summary>
    public static ImageSource FromActions(IReadOnlyDictionary<string, string?> env, TagFormat tagFormat)
    {
        var gitRef = Get(env, "GITHUB_REF") ?? string.Empty;
        var eventName = Get(env, "GITHUB_EVENT_NAME") ?? string.Empty;
        JsonElement payload = default;
        var eventPath = Get(env, "GITHUB_EVENT_PATH");
        if (eventPath is not null && File.Exists(eventPath))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(eventPath));
                payload = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                // A broken payload only costs the pull request number and default branch.
            }
        }
        var context = new ImageTagContext
        {
            Sha = Get(env, "GITHUB_SHA"),
            EventName = eventName,
            DefaultBranch = Str(payload, "repository", "default_branch"),
        };
        int? pr = Int(payload, "pull_request", "number") ?? Int(payload, "number");
        var pullRef = PullRef().Match(gitRef);
        if (pullRef.Success) pr ??= int.Parse(pullRef.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        if (eventName.StartsWith("pull_request", StringComparison.Ordinal) || pullRef.Success)
        {
            context = context with { Kind = GitRefKind.PullRequest, PullRequest = pr, RefName = Get(env, "GITHUB_HEAD_REF") };
        }
        else if (gitRef.StartsWith("refs/tags/", StringComparison.Ordinal))
        {
            var name = gitRef["refs/tags/".Length..];
            tagFormat.TryParse(name, out var version);
            context = context with { Kind = GitRefKind.Tag, RefName = name, Version = version };
        }
        else if (gitRef.StartsWith("refs/heads/", StringComparison.Ordinal))
        {
            var branch = gitRef["refs/heads/".Length..];
            context = context with { Kind = GitRefKind.Branch, RefName = branch };
            if (context.DefaultBranch is null && DefaultBranchEvents.Contains(eventName))
            {
                // GitHub runs these events on the default branch's last commit; their payload may lack repository.
                context = context with { DefaultBranch = branch, DefaultBranchInferred = true };
            }
        }
        var slug = Get(env, "GITHUB_REPOSITORY");
        var server = (Get(env, "GITHUB_SERVER_URL") ?? "https://github.com").TrimEnd('/');
        return new ImageSource(context, slug, slug is null ? null : $"{server}/{slug}", "GitHub Actions");
    }

    /// <summary>The context of the local clone; a folder that is not a repository gives an empty context.</summary>
    public static async Task<ImageSource> FromLocalAsync(string projectRoot, TagFormat tagFormat, string remote, CancellationToken cancellation)
    {
        LibGit2Repository repo;
        try
        {
            repo = LibGit2Repository.Open(projectRoot);
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.NotAGitRepository)
        {
            return new ImageSource(new ImageTagContext { EventName = "local" }, null, null, "no git repository");
        }
        using (repo)
        {
            var head = repo.Head;
            var context = new ImageTagContext { Sha = head.Sha, EventName = "local" };
            SemVersion? best = null;
            string? bestTag = null;
            if (head.Sha is not null)
            {
                foreach (var tag in repo.GetTags().Where(t => t.TargetSha == head.Sha))
                {
                    if (tagFormat.TryParse(tag.Name, out var v) && (best is null || v!.ComparePrecedenceTo(best) > 0))
                    {
                        best = v;
                        bestTag = tag.Name;
                    }
                }
            }
            if (best is not null)
            {
                context = context with { Kind = GitRefKind.Tag, RefName = bestTag, Version = best };
            }
            else if (!head.IsDetached && head.Branch is not null)
            {
                context = context with { Kind = GitRefKind.Branch, RefName = head.Branch };
            }
            context = context with { DefaultBranch = await DefaultBranchAsync(repo.WorkingDirectory, remote, cancellation).ConfigureAwait(false) };
            var url = repo.GetRemoteUrl(remote);
            var slug = url is null ? null : GitHubSlug(url);
            return new ImageSource(context, slug, slug is null ? null : "https://github.com/" + slug, "local repository");
        }
    }

    /// <summary>owner/repo from a GitHub remote URL (https, ssh or scp-like), or null for other hosts.</summary>
    public static string? GitHubSlug(string remoteUrl)
    {
        var m = GitHubUrl().Match(remoteUrl.Trim());
        return m.Success ? m.Groups["owner"].Value + "/" + m.Groups["repo"].Value : null;
    }

    private static async Task<string?> DefaultBranchAsync(string workingDirectory, string remote, CancellationToken cancellation)
    {
        var cli = new GitCli(workingDirectory);
        var r = await cli.RunAsync(new[] { "symbolic-ref", "--quiet", "--short", $"refs/remotes/{remote}/HEAD" }, cancellation, throwOnError: false).ConfigureAwait(false);
        if (r.Succeeded && r.StandardOutput.Trim() is { Length: > 0 } name)
        {
            return name.StartsWith(remote + "/", StringComparison.Ordinal) ? name[(remote.Length + 1)..] : name;
        }
        foreach (var candidate in new[] { "main", "master" })
        {
            var probe = await cli.RunAsync(new[] { "rev-parse", "--verify", "--quiet", "refs/heads/" + candidate }, cancellation, throwOnError: false).ConfigureAwait(false);
            if (probe.Succeeded) return candidate;
        }
        return null;
    }

    private static string? Get(IReadOnlyDictionary<string, string?> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static string? Str(JsonElement e, params string[] path)
    {
        var node = Walk(e, path);
        return node is { ValueKind: JsonValueKind.String } n ? n.GetString() : null;
    }

    private static int? Int(JsonElement e, params string[] path)
    {
        var node = Walk(e, path);
        return node is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var i) ? i : null;
    }

    private static JsonElement? Walk(JsonElement e, string[] path)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        var node = e;
        foreach (var p in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(p, out node)) return null;
        }
        return node;
    }

    [GeneratedRegex(@"^refs/pull/(\d+)/")]
    private static partial Regex PullRef();

    [GeneratedRegex(@"^(?:https?://(?:[^@/]+@)?github\.com/|ssh://git@github\.com/|git@github\.com:)(?<owner>[A-Za-z0-9_.-]+)/(?<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")]
    private static partial Regex GitHubUrl();
}

using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Containers;

/// <summary>What the checked-out commit is, for tagging purposes.</summary>
public enum GitRefKind
{
    /// <summary>Nothing known (detached HEAD without a tag, no repository).</summary>
    None,
    /// <summary>A tag (a release when it parses in the tag format).</summary>
    Tag,
    Branch,
    PullRequest,
}

/// <summary>The git and version facts the tag policy works from (from GitHub Actions or the local repository).</summary>
public sealed record ImageTagContext
{
    public GitRefKind Kind { get; init; }
    /// <summary>Branch or tag name (short form).</summary>
    public string? RefName { get; init; }
    public int? PullRequest { get; init; }
    /// <summary>Full commit SHA.</summary>
    public string? Sha { get; init; }
    /// <summary>The Actions event (push, pull_request, workflow_dispatch…) or "local".</summary>
    public string? EventName { get; init; }
    public string? DefaultBranch { get; init; }
    /// <summary>The release version: from -Version / the pipeline, or from the release tag at HEAD.</summary>
    public SemVersion? Version { get; init; }
    /// <summary>The build target (stage), which may add a prefix (prod → prod-v1.2.3).</summary>
    public string? Target { get; init; }
}

/// <summary>The configurable rules ([tool.x0tta6bl4.images]); defaults follow the reference pipeline.</summary>
public sealed record ImageTagRules
{
    /// <summary>X.Y and X for final releases (X only from 1.0 on).</summary>
    public bool FloatingTags { get; init; } = true;
    /// <summary>latest for final releases (never for pre-releases).</summary>
    public bool Latest { get; init; } = true;
    /// <summary>Tag for the default branch: "edge", "latest", "{branch}" (the branch name), or "" for none.</summary>
    public string DefaultBranchTag { get; init; } = "edge";
    /// <summary>Branches tagged with their own name (develop → develop).</summary>
    public IReadOnlyList<string> NamedBranches { get; init; } = new[] { "develop" };
    /// <summary>Other branches get their sanitized name as tag.</summary>
    public bool OtherBranches { get; init; } = true;
    public bool ShaTag { get; init; } = true;
    public int ShaLength { get; init; } = 7;
    /// <summary>Push images built for pull requests (default: build only).</summary>
    public bool PushPullRequests { get; init; }
    /// <summary>Targets whose images get a prefix and only the exact version tag (prod → prod-v1.2.3).</summary>
    public IReadOnlyDictionary<string, string> TargetPrefixes { get; init; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["prod"] = "prod-" };
    /// <summary>The git tag format, for the v-prefixed version tag.</summary>
    public string TagFormat { get; init; } = Versioning.TagFormat.Default;
}

/// <summary>One tag with the rule that produced it (shown by -WhatIf and -Verbose).</summary>
public sealed record ImageTagDecision(string Tag, string Reason);

/// <summary>The tags for a build and whether they may be pushed.</summary>
public sealed record ImageTagPlan(IReadOnlyList<ImageTagDecision> Tags, bool PushAllowed, string? PushBlockedReason)
{
    public IReadOnlyList<string> Names => Tags.Select(t => t.Tag).ToList();
}

/// <summary>
/// Image tags from the version and the git context — pure, table-tested:
/// release vX.Y.Z → X.Y.Z, vX.Y.Z, X.Y, X, latest (floating and latest only for final releases);
/// the prod target of a release → prod-vX.Y.Z; develop → develop; the default branch → edge (or
/// latest / its name, by configuration); a pull request → pr-N, built but not pushed; always sha-&lt;short&gt;.
/// </summary>
public static class TagPolicy
{
    /// <exception cref="X0Exception">X0.ImageTagsEmpty when the rules produce no tag.</exception>
    public static ImageTagPlan Compute(ImageTagContext context, ImageTagRules rules)
    {
        var tags = new List<ImageTagDecision>();
        void Add(string tag, string reason)
        {
            if (tag.Length > 0 && tags.All(t => t.Tag != tag)) tags.Add(new ImageTagDecision(tag, reason));
        }

        string? prefix = null;
        if (context.Target is { Length: > 0 } target && rules.TargetPrefixes.TryGetValue(target, out var p) && p.Length > 0)
        {
            prefix = p;
        }
        var pre = prefix ?? string.Empty;
        var pushAllowed = true;
        string? blocked = null;

        if (context.Version is { } version)
        {
            var format = new TagFormat(rules.TagFormat);
            var gitTag = ImageRepository.SanitizeTag(format.Format(version));
            var plain = ImageRepository.SanitizeTag(version.ToString());
            if (prefix is not null)
            {
                Add(pre + gitTag, $"release {gitTag} of target '{context.Target}'");
            }
            else
            {
                Add(plain, $"release {gitTag}");
                Add(gitTag, $"release {gitTag}");
                if (!version.IsPrerelease)
                {
                    if (rules.FloatingTags)
                    {
                        Add($"{version.Major}.{version.Minor}", "floating minor of a final release");
                        if (version.Major > 0) Add($"{version.Major}", "floating major of a final release");
                    }
                    if (rules.Latest) Add("latest", "final release");
                }
            }
        }
        else
        {
            switch (context.Kind)
            {
                case GitRefKind.Tag when !string.IsNullOrEmpty(context.RefName):
                    Add(pre + ImageRepository.SanitizeTag(context.RefName!), $"git tag {context.RefName} (not a release version)");
                    break;
                case GitRefKind.Branch when !string.IsNullOrEmpty(context.RefName):
                    var branch = context.RefName!;
                    if (rules.NamedBranches.Contains(branch, StringComparer.Ordinal))
                    {
                        Add(pre + ImageRepository.SanitizeTag(branch), $"branch {branch}");
                    }
                    else if (branch == context.DefaultBranch)
                    {
                        var tag = rules.DefaultBranchTag.Replace("{branch}", branch, StringComparison.Ordinal);
                        if (tag.Length > 0) Add(pre + ImageRepository.SanitizeTag(tag), $"default branch {branch}");
                    }
                    else if (rules.OtherBranches)
                    {
                        Add(pre + ImageRepository.SanitizeTag(branch), $"branch {branch}");
                    }
                    break;
                case GitRefKind.PullRequest when context.PullRequest is { } number:
                    Add($"{pre}pr-{number}", $"pull request #{number}");
                    if (!rules.PushPullRequests)
                    {
                        pushAllowed = false;
                        blocked = $"pull request #{number}: images are built but not pushed (set push_pull_requests = true in [tool.x0tta6bl4.images] to push them)";
                    }
                    break;
            }
        }

        if (rules.ShaTag && !string.IsNullOrEmpty(context.Sha))
        {
            var length = Math.Clamp(rules.ShaLength, 4, 40);
            Add($"{pre}sha-{context.Sha![..Math.Min(length, context.Sha.Length)]}", "commit");
        }

        if (tags.Count == 0)
        {
            throw new X0Exception(ErrorIds.ImageTagsEmpty, X0ErrorCategory.InvalidOperation,
                "at least one image tag from the tag rules",
                $"none for {Describe(context)}",
                "Pass -Tag, or -Version for a release, or adjust [tool.x0tta6bl4.images] (sha_tag, default_branch_tag, other_branches)");
        }
        foreach (var t in tags.Where(t => !ImageRepository.IsValidTag(t.Tag)))
        {
            throw new X0Exception(ErrorIds.ImageTagInvalid, X0ErrorCategory.InvalidData,
                "image tags of 1-128 letters, digits, '_', '.' and '-'", $"'{t.Tag}' ({t.Reason})", "Adjust the tag rules or pass -Tag", t.Tag);
        }
        return new ImageTagPlan(tags, pushAllowed, blocked);
    }

    public static string Describe(ImageTagContext c) => c.Kind switch
    {
        _ when c.Version is not null => $"release {c.Version}",
        GitRefKind.Tag => $"tag {c.RefName}",
        GitRefKind.Branch => $"branch {c.RefName}",
        GitRefKind.PullRequest => $"pull request #{c.PullRequest}",
        _ => "a commit with no branch or tag",
    } + (c.EventName is { Length: > 0 } e && e != "local" ? $" ({e})" : string.Empty);
}

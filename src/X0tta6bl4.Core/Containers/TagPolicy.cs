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
    /// <summary>The default branch was not in the event payload but the event only runs there (schedule).</summary>
    public bool DefaultBranchInferred { get; init; }
    /// <summary>The release version: from -Version / the pipeline, or from the release tag at HEAD.</summary>
    public SemVersion? Version { get; init; }
    /// <summary>The build target (stage), which may add a prefix (prod → prod-v1.2.3).</summary>
    public string? Target { get; init; }
}

/// <summary>The configurable rules ([tool.x0tta6bl4.images]); defaults follow the reference pipeline.</summary>
public sealed record ImageTagRules
{
    /// <summary>X.Y for final releases.</summary>
    public bool FloatingMinor { get; init; } = true;
    /// <summary>X for final releases from 1.0 on.</summary>
    public bool FloatingMajor { get; init; } = true;
    /// <summary>
    /// The exact-version tags of a release: "{version}" is the SemVer version without build metadata
    /// (3.2.0), "{tag}" the git tag format applied to it (v3.2.0); other text is kept as written.
    /// </summary>
    public IReadOnlyList<string> VersionTags { get; init; } = new[] { VersionToken, TagToken };
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

    public const string VersionToken = "{version}";
    public const string TagToken = "{tag}";
}

/// <summary>One tag with the rule that produced it (shown by -WhatIf and -Verbose).</summary>
public sealed record ImageTagDecision(string Tag, string Reason);

/// <summary>The tags for a build and whether they may be pushed.</summary>
/// <param name="Skipped">Tags a rule would have given but another rule forbids (a branch named latest), with why.</param>
public sealed record ImageTagPlan(IReadOnlyList<ImageTagDecision> Tags, bool PushAllowed, string? PushBlockedReason,
    IReadOnlyList<ImageTagDecision>? Skipped = null)
{
    public IReadOnlyList<string> Names => Tags.Select(t => t.Tag).ToList();
}

/// <summary>
/// Image tags from the version and the git context — pure, table-tested:
/// release vX.Y.Z → X.Y.Z, vX.Y.Z, X.Y, X, latest (floating and latest only for final releases; build
/// metadata never reaches a tag, as docker/metadata-action's {{version}});
/// the prod target of a release → prod-vX.Y.Z; develop → develop; the default branch → edge (or
/// latest / its name, by configuration); a pull request → pr-N, built but not pushed; always sha-&lt;short&gt;.
/// "latest" comes only from a final release or an explicit default_branch_tag = "latest": a branch or
/// git tag that happens to be called latest does not get it.
/// </summary>
public static class TagPolicy
{
    private const string Latest = "latest";

    /// <exception cref="X0Exception">X0.ImageTagsEmpty when the rules produce no tag.</exception>
    public static ImageTagPlan Compute(ImageTagContext context, ImageTagRules rules)
    {
        var tags = new TagList();
        string? prefix = null;
        if (context.Target is { Length: > 0 } target && rules.TargetPrefixes.TryGetValue(target, out var p) && p.Length > 0)
        {
            prefix = p;
        }
        var pushAllowed = true;
        string? blocked = null;

        if (context.Version is { } version)
        {
            AddRelease(tags, version, context.Target, prefix, rules);
        }
        else if (context.Kind == GitRefKind.PullRequest && context.PullRequest is { } number)
        {
            tags.Add($"{prefix}pr-{number}", $"pull request #{number}");
            if (!rules.PushPullRequests)
            {
                pushAllowed = false;
                blocked = $"pull request #{number}: images are built but not pushed (set push_pull_requests = true in [tool.x0tta6bl4.images] to push them)";
            }
        }
        else
        {
            AddRef(tags, context, prefix ?? string.Empty, rules);
        }

        if (rules.ShaTag && !string.IsNullOrEmpty(context.Sha))
        {
            var length = Math.Clamp(rules.ShaLength, 4, 40);
            tags.Add($"{prefix}sha-{context.Sha![..Math.Min(length, context.Sha.Length)]}", "commit");
        }

        if (tags.Chosen.Count == 0)
        {
            var skipped = tags.Skipped.Count == 0 ? string.Empty : $" ({string.Join("; ", tags.Skipped.Select(s => $"{s.Tag}: {s.Reason}"))})";
            throw new X0Exception(ErrorIds.ImageTagsEmpty, X0ErrorCategory.InvalidOperation,
                "at least one image tag from the tag rules",
                $"none for {Describe(context)}{skipped}",
                "Pass -Tag, or -Version for a release, or adjust [tool.x0tta6bl4.images] (sha_tag, default_branch_tag, other_branches)");
        }
        foreach (var t in tags.Chosen.Where(t => !ImageRepository.IsValidTag(t.Tag)))
        {
            throw new X0Exception(ErrorIds.ImageTagInvalid, X0ErrorCategory.InvalidData,
                "image tags of 1-128 letters, digits, '_', '.' and '-'", $"'{t.Tag}' ({t.Reason})", "Adjust the tag rules or pass -Tag", t.Tag);
        }
        return new ImageTagPlan(tags.Chosen, pushAllowed, blocked, tags.Skipped);
    }

    private static void AddRelease(TagList tags, SemVersion version, string? target, string? prefix, ImageTagRules rules)
    {
        // Build metadata does not take part in precedence; as a tag suffix ("1.2.3-build.5") it would read as a pre-release.
        var bare = version.WithoutMetadata();
        var format = new TagFormat(rules.TagFormat);
        var gitTag = ImageRepository.SanitizeTag(format.Format(bare));
        var why = bare == version ? $"release {gitTag}" : $"release {format.Format(version)} (build metadata is not part of a tag)";
        if (prefix is not null)
        {
            tags.Add(prefix + gitTag, $"{why} of target '{target}'");
            return;
        }
        foreach (var template in rules.VersionTags)
        {
            var tag = template.Replace(ImageTagRules.TagToken, gitTag, StringComparison.Ordinal)
                .Replace(ImageTagRules.VersionToken, bare.ToString(), StringComparison.Ordinal);
            tags.Add(ImageRepository.SanitizeTag(tag), why);
        }
        if (version.IsPrerelease) return;
        if (rules.FloatingMinor) tags.Add($"{bare.Major}.{bare.Minor}", "floating minor of a final release");
        if (rules.FloatingMajor && bare.Major > 0) tags.Add($"{bare.Major}", "floating major of a final release");
        if (rules.Latest) tags.Add(Latest, "final release");
    }

    private static void AddRef(TagList tags, ImageTagContext context, string prefix, ImageTagRules rules)
    {
        if (string.IsNullOrEmpty(context.RefName)) return;
        var name = context.RefName!;
        if (context.Kind == GitRefKind.Tag)
        {
            tags.AddNamed(prefix, name, $"git tag {name} (not a release version)");
            return;
        }
        if (context.Kind != GitRefKind.Branch) return;
        if (rules.NamedBranches.Contains(name, StringComparer.Ordinal))
        {
            tags.AddNamed(prefix, name, $"branch {name}");
        }
        else if (name == context.DefaultBranch)
        {
            var why = $"default branch {name}" + (context.DefaultBranchInferred ? $" ({context.EventName} events run on the default branch)" : string.Empty);
            if (rules.DefaultBranchTag.Contains("{branch}", StringComparison.Ordinal))
            {
                tags.AddNamed(prefix, rules.DefaultBranchTag.Replace("{branch}", name, StringComparison.Ordinal), why);
            }
            else if (rules.DefaultBranchTag.Length > 0)
            {
                // Configured text, "latest" included: that is the one way a branch may be given latest.
                tags.Add(prefix + ImageRepository.SanitizeTag(rules.DefaultBranchTag), why);
            }
        }
        else if (rules.OtherBranches)
        {
            tags.AddNamed(prefix, name, $"branch {name}");
        }
    }

    /// <summary>Tags in order, without repeats; a name-derived "latest" is set aside with the reason.</summary>
    private sealed class TagList
    {
        public List<ImageTagDecision> Chosen { get; } = new();
        public List<ImageTagDecision> Skipped { get; } = new();

        public void Add(string tag, string reason)
        {
            if (tag.Length > 0 && Chosen.All(t => t.Tag != tag)) Chosen.Add(new ImageTagDecision(tag, reason));
        }

        public void AddNamed(string prefix, string name, string reason)
        {
            var tag = prefix + ImageRepository.SanitizeTag(name);
            if (tag == Latest)
            {
                Skipped.Add(new ImageTagDecision(tag, $"{reason}: 'latest' is kept for releases (and default_branch_tag = \"latest\")"));
                return;
            }
            Add(tag, reason);
        }
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

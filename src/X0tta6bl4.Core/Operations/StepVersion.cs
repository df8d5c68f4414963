using Semver;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>What Step-X0Version was asked to do.</summary>
public sealed record StepVersionRequest
{
    public required string Path { get; init; }
    public required BumpRequest Bump { get; init; }
    public bool NoCommit { get; init; }
    public bool NoTag { get; init; }
    public bool Push { get; init; }
    public string? Remote { get; init; }
    public bool AllowDirty { get; init; }
    public string? Token { get; init; }
    /// <summary>Infer the bump from the Conventional Commits since the last release (Bump carries only the pre-release label).</summary>
    public bool Auto { get; init; }
    /// <summary>Refuse non-conventional commits in the release range; null = the configured default.</summary>
    public bool? Strict { get; init; }
    /// <summary>Leave the changelog alone even when configured (or defaulted) on.</summary>
    public bool NoChangelog { get; init; }
}

/// <summary>The changelog edit that rides along in the release commit.</summary>
/// <param name="Original">The bytes before, or null when the file is created.</param>
public sealed record ChangelogChange(string FullPath, string RelativePath, byte[]? Original, byte[] Updated, string Summary);

/// <summary>One changed line of one version file.</summary>
public sealed record VersionLineChange(string Path, int Line, string Before, string After);

/// <summary>A version file with its bytes before and after.</summary>
public sealed record VersionFileChange(VersionFile File, byte[] Original, byte[] Updated, IReadOnlyList<VersionLineChange> Lines)
{
    /// <summary>Where the bytes go: the file itself, or the file a symbolic link inside the repository points to.</summary>
    public string WritePath { get; init; } = File.FullPath;
}

/// <summary>Everything a bump will do, computed by read-only checks. -WhatIf shows exactly this.</summary>
public sealed class StepVersionPlan
{
    public required string ProjectRoot { get; init; }
    public string? RepositoryRoot { get; init; }
    internal SemVersion Previous { get; init; } = null!;
    internal SemVersion Next { get; init; } = null!;
    /// <summary>The version before the bump (SemVer 2.0 text).</summary>
    public string PreviousVersion => PreviousText ?? Previous.ToString();
    /// <summary>The version after the bump (SemVer 2.0 text; as serialized by a bump2version configuration when one decides).</summary>
    public string NextVersion => NextText ?? Next.ToString();
    /// <summary>The versions as a bump2version configuration writes them (its parse/serialize), when one decides.</summary>
    public string? PreviousText { get; init; }
    public string? NextText { get; init; }
    public bool IsPrerelease => Next.IsPrerelease;
    public required IReadOnlyList<VersionFileChange> Files { get; init; }
    public string? CommitMessage { get; init; }
    public string? Tag { get; init; }
    public string? TagMessage { get; init; }
    public string? Branch { get; init; }
    public string? HeadSha { get; init; }
    public bool Push { get; init; }
    public string Remote { get; init; } = "origin";
    /// <summary>The remote branch's commit when the plan read it (null: not read, or no such branch).</summary>
    public string? RemoteBranchSha { get; init; }
    public IReadOnlyList<string> ConfigSources { get; init; } = Array.Empty<string>();
    /// <summary>Set when -Auto found nothing releasable: why. The plan then changes nothing.</summary>
    public string? NoReleaseReason { get; init; }
    public bool IsNoRelease => NoReleaseReason is not null;
    /// <summary>The latest final release tag reachable from HEAD, the base of -Auto (null: none).</summary>
    public string? LastReleaseTag { get; init; }
    /// <summary>The files already held the version (an earlier bump never tagged): nothing is rewritten, the release is tagged.</summary>
    public bool AlreadyBumped { get; init; }
    /// <summary>Set when the build derives the version from tags (no file holds it): why.</summary>
    public string? TagSource { get; init; }
    /// <summary>For -Auto: why this version (the commits' level and the range).</summary>
    public string? Reason { get; init; }
    /// <summary>The level the commits called for (after the 0.x rule); None for explicit bumps without history.</summary>
    public ReleaseLevel Level { get; init; }
    /// <summary>The notes of the release being made (the range since the previous release), when read.</summary>
    public ReleaseNote? Notes { get; init; }
    /// <summary>The changelog edit, when the changelog is on and the file changes.</summary>
    public ChangelogChange? Changelog { get; init; }

    public IEnumerable<VersionLineChange> Lines => Files.SelectMany(f => f.Lines);

    /// <summary>The plan as text, one line per change (for -WhatIf and -Verbose).</summary>
    public string Describe()
    {
        if (NoReleaseReason is not null) return $"No release in {ProjectRoot} (stays {Previous}): {NoReleaseReason}";
        var lines = new List<string> { $"Bump {Previous} → {Next} in {ProjectRoot}" + (Reason is null ? "" : $" ({Reason})") };
        foreach (var l in Lines)
        {
            lines.Add($"  {l.Path}:{l.Line}: {l.Before.Trim()}  →  {l.After.Trim()}");
        }
        if (Changelog is not null) lines.Add($"  {Changelog.RelativePath}: {Changelog.Summary}");
        if (CommitMessage is not null) lines.Add($"  commit: \"{CommitMessage.Split('\n')[0]}\" on {Branch}");
        else if (Tag is not null) lines.Add($"  no commit: {(TagSource ?? $"the files already hold {Next}")}; the tag goes on HEAD {HeadSha?[..Math.Min(12, HeadSha.Length)]}");
        if (Tag is not null) lines.Add($"  annotated tag: {Tag}");
        if (Push) lines.Add($"  push: {Branch}{(Tag is null ? "" : " and " + Tag)} to {Remote}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>What a bump did.</summary>
public sealed record StepVersionResult(StepVersionPlan Plan, string? CommitSha, bool Tagged, bool Pushed);

/// <summary>
/// The use case behind Step-X0Version: plan with read-only checks (git state, version files,
/// tags local and remote), then apply all-or-nothing (files, commit, tag, push), rolling every
/// local change back when a later step fails.
/// </summary>
public sealed class StepVersion
{
    private readonly Func<string, string?, IGitRepository> _openRepository;
    private readonly IFileOperations? _fileOperations;

    public StepVersion(Func<string, string?, IGitRepository>? openRepository = null, IFileOperations? fileOperations = null)
    {
        _openRepository = openRepository ?? ((path, token) => LibGit2Repository.Open(path, token));
        _fileOperations = fileOperations;
    }

    public async Task<StepVersionPlan> PlanAsync(StepVersionRequest request, X0Context context)
    {
        var ct = context.Cancellation;
        var root = System.IO.Path.GetFullPath(request.Path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "a project directory", $"no directory {root}", "Pass -Path with the project root", root);
        }
        context.Progress.Report(new X0Progress("Step-X0Version", "Reading configuration", 5));
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        if (config.Sources.Count > 0) context.Log.Verbose($"Configuration from: {string.Join(", ", config.Sources)}");

        var commit = config.Commit && !request.NoCommit;
        // A tag on a commit that does not contain the bump would name the wrong tree.
        var tag = config.Tag && !request.NoTag && commit;
        var remote = request.Remote ?? config.Remote;
        if (request.Push && !commit)
        {
            // Pushing without the release commit would publish nothing, or a branch without the bump.
            throw new X0Exception(ErrorIds.InvalidArgument, X0ErrorCategory.InvalidArgument,
                "-Push together with a release commit",
                request.NoCommit ? "-NoCommit" : $"commit = false in {string.Join(", ", config.Sources)}",
                "Drop -Push, or let Step-X0Version commit (remove -NoCommit, or set commit = true)", root);
        }
        var needsGit = commit || tag || request.Push;

        using var repo = needsGit || request.Auto ? _openRepository(root, request.Token) : TryOpen(root, request.Token);
        var tagFormat = config.Tags;
        GitHead? head = null;
        // One status walk per plan: its cost grows with the working tree (hundreds of ms at 30k files).
        IReadOnlyList<GitDirtyPath> dirty = Array.Empty<GitDirtyPath>();
        var hasRemote = false;
        // The remote's refs (release tags; the branch when pushing) in ONE ls-remote, started before
        // the local checks so the network round trip overlaps them; awaited where the answer is
        // needed, so errors keep their order. Abandoned (process killed) if a local check fails first.
        Task<IReadOnlyList<GitRemoteRef>>? remoteRead = null;
        using var remoteCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            if (repo is not null)
            {
                context.Progress.Report(new X0Progress("Step-X0Version", "Checking the repository", 15));
                head = repo.Head;
                if (needsGit)
                {
                    CheckHead(head, root, repo);
                    if (repo.IsShallow)
                    {
                        throw new X0Exception(ErrorIds.ShallowClone, X0ErrorCategory.InvalidOperation,
                            "a clone with full history and tags", "a shallow clone (history and tags cut off)",
                            "In GitHub Actions set fetch-depth: 0 on actions/checkout; locally run git fetch --tags --unshallow", root);
                    }
                }
                hasRemote = repo.GetRemoteUrl(remote) is not null;
                var patterns = new List<string>();
                if (hasRemote && tag) patterns.Add($"refs/tags/{tagFormat.Prefix}*");
                if (hasRemote && request.Push && head.Branch is not null) patterns.Add($"refs/heads/{head.Branch}");
                if (patterns.Count > 0)
                {
                    var reader = repo;
                    remoteRead = Task.Run(() => reader.ListRemoteRefsAsync(remote, patterns, remoteCancel.Token), remoteCancel.Token);
                }
                // Without a commit or tag the tree's state does not matter: no walk at all.
                dirty = needsGit ? repo.GetDirtyPaths() : dirty;
                if (dirty.Count > 0 && !(request.AllowDirty || config.AllowDirty))
                {
                    throw new X0Exception(ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
                        "a clean working tree", $"uncommitted changes in {dirty.Count} path(s): {string.Join(", ", dirty.Take(20).Select(d => $"{d.Path} [{d.Status}]"))}{(dirty.Count > 20 ? ", …" : "")}",
                        "Commit or stash them (git stash), or pass -AllowDirty to bump anyway", root);
                }
                ct.ThrowIfCancellationRequested();
            }

            context.Progress.Report(new X0Progress("Step-X0Version", "Reading version files", 30));
            // A bump2version / bump-my-version configuration decides the files and the version text by its own rules.
            var b2vSettings = config.Bump2Version;
            var project = b2vSettings is null ? ProjectVersionReader.Read(config, context.Log) : null;
            if (project?.IsTagDerived == true) context.Log.Verbose($"Tag-only release: {project.TagSource}; the version is the latest release tag's, {project.VersionText}");
            var readings = project?.Files ?? Array.Empty<(VersionFile File, TextFileContent Content, VersionReading Reading)>();
            var current = project?.Version ?? LenientOrZero(b2vSettings!.CurrentVersion);
            // Symbolic links are written through (and refused when they leave the repository) before any other check.
            var boundary = repo?.WorkingDirectory ?? root;
            var writePaths = readings.Select(r => r.File.FullPath).Distinct(StringComparer.Ordinal)
                .ToDictionary(p => p, p => VersionFileTarget.Resolve(p, boundary), StringComparer.Ordinal);
            CheckVersionFilesClean(writePaths.Values);
            void CheckVersionFilesClean(IEnumerable<string> paths)
            {
                if (repo is not null && commit)
            {
                // The release commit holds changes to tracked files only; a new file would slip in unreviewed.
                var untracked = paths.Select(p => RepoRelative(repo, p)).Distinct(StringComparer.Ordinal)
                    .Where(p => !repo.IsTracked(p)).ToList();
                if (untracked.Count > 0)
                {
                    throw new X0Exception(ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
                        "version files that git already tracks (the release commit holds only the version change)",
                        $"untracked {string.Join(", ", untracked)}",
                        "Commit them first (git add, git commit), or bump with -NoCommit", root);
                }
            }
            if (repo is not null && needsGit)
            {
                var dirtyVersionFiles = dirty.Select(d => d.Path).Intersect(
                    paths.Select(p => RepoRelative(repo, p)), StringComparer.Ordinal).ToList();
                if (dirtyVersionFiles.Count > 0)
                {
                    throw new X0Exception(ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
                        "version files without uncommitted changes (the release commit holds only the version change)",
                        $"changes in {string.Join(", ", dirtyVersionFiles)}", "Commit or stash those changes first", root);
                }
            }
            }

            // Tags known locally, and on the remote when there is one: counters stay monotonic and
            // a version already used anywhere is refused before anything is written.
            var knownTags = repo?.GetTagNames().ToList() ?? new List<string>();
            IReadOnlyList<GitRemoteRef> remoteRefs = Array.Empty<GitRemoteRef>();
            if (request.Push && !hasRemote)
            {
                throw new X0Exception(ErrorIds.RemoteNotFound, X0ErrorCategory.ObjectNotFound,
                    $"a git remote named '{remote}' to push to", "no such remote",
                    $"Add it with git remote add {remote} <url>, or pass -Remote", remote);
            }
            if (remoteRead is not null)
            {
                context.Progress.Report(new X0Progress("Step-X0Version", $"Reading tags on {remote}", 45));
                try
                {
                    remoteRefs = await remoteRead.ConfigureAwait(false);
                }
                catch (X0Exception ex) when (!request.Push)
                {
                    context.Log.Warning($"Could not read tags from '{remote}' (the tag is checked locally only): {ex.Found}");
                }
            }
            var remoteTagNames = remoteRefs.Where(r => r.Name.StartsWith("refs/tags/", StringComparison.Ordinal))
                .Select(r => r.Name["refs/tags/".Length..]).ToList();
            if (remoteRead is { IsCompletedSuccessfully: true } && tag && head?.Sha is not null)
            {
                // With -Push it stops the run; without, publishing is left to Publish-X0Release, so it is said and the bump goes on.
                if (PendingRelease.Unpushed(repo!, head, tagFormat, knownTags, remoteTagNames, remote) is { } unpushed)
                {
                    if (request.Push) throw unpushed;
                    context.Log.Warning(unpushed.Message);
                }
            }
            var missingLocally = remoteTagNames.Where(n => tagFormat.TryParse(n, out _)).Except(knownTags, StringComparer.Ordinal).ToList();
            if (missingLocally.Count > 0)
            {
                throw new X0Exception(ErrorIds.TagsMissing, X0ErrorCategory.InvalidOperation,
                    $"every release tag of '{remote}' to be present locally", $"{missingLocally.Count} missing ({string.Join(", ", missingLocally.Take(5))})",
                    $"Run git fetch --tags {remote} (in GitHub Actions: fetch-depth: 0 on actions/checkout)", root);
            }

            var knownVersions = knownTags.Concat(remoteTagNames)
                .Select(n => tagFormat.TryParse(n, out var v) ? v : null)
                .Where(v => v is not null)
                .Select(v => v!)
                .ToList();
            // The commits since the previous release: they decide -Auto's version and fill the changelog.
            var conventions = CommitConventions.From(config);
            var changelogPath = System.IO.Path.Combine(root, conventions.ChangelogFile);
            var changelogExists = File.Exists(changelogPath);
            var changelogOn = !request.NoChangelog
                && (conventions.Changelog ?? (b2vSettings is null && File.Exists(System.IO.Path.Combine(root, "pyproject.toml")) && changelogExists));
            ReleaseHistory? history = null;
            ReleaseTag? previousRelease = null;
            ReleaseNoteBuilder? commits = null;
            if (request.Auto && head?.Sha is null)
            {
                throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
                    "a repository with commits to infer the version from", "a repository without commits", "Make a first commit", root);
            }
            if (repo is not null && head?.Sha is not null && (needsGit || request.Auto))
            {
                // The last release tag is the base: files ahead of it mean an earlier bump that was never tagged.
                history = new ReleaseHistory(repo, tagFormat, conventions, RepositoryLinks.From(conventions.RepositoryUrl, repo.GetRemoteUrl(remote)));
                previousRelease = history.FindPrevious(head.Sha, null, null);
            }
            if (history is not null && (request.Auto || changelogOn))
            {
                context.Progress.Report(new X0Progress("Step-X0Version", "Reading commits since the last release", 50));
                if (request.Auto && repo!.IsShallow && previousRelease is null)
                {
                    // Never a version computed from a cut-off history.
                    throw new X0Exception(ErrorIds.ShallowClone, X0ErrorCategory.InvalidOperation,
                        "the history back to the previous release tag, to infer the next version", "a shallow clone without a reachable release tag",
                        "In GitHub Actions set fetch-depth: 0 on actions/checkout; locally run git fetch --tags --unshallow", root);
                }
                commits = history.Scan(head!.Sha!, previousRelease, ct);
                context.Log.Verbose($"{commits.CommitCount} commit(s) since {previousRelease?.Name ?? "the start of history"}, level {commits.Level}");
                if (request.Strict ?? conventions.Strict)
                {
                    ReleaseHistory.EnforceStrict(commits.NonConventional, $"{previousRelease?.Name ?? "the start of history"}..HEAD");
                }
                foreach (var other in commits.NonConventional.Take(10))
                {
                    context.Log.Verbose($"Not a Conventional Commit (listed under Other): {other.ShortSha} {other.Header}");
                }
            }

            SemVersion next;
            string? reason = null;
            var level = ReleaseLevel.None;
            var alreadyBumped = false;
            Bump2VersionPlan? b2v = null;
            if (b2vSettings is not null)
            {
                var part = Bump2VersionPart(request, commits, previousRelease?.Version ?? current, conventions);
                if (part is null && request.Bump.Explicit is null)
                {
                    var why = $"no releasable commit since {previousRelease?.Name ?? "the start of history"}";
                    return new StepVersionPlan
                    {
                        ProjectRoot = root, RepositoryRoot = repo?.WorkingDirectory, Previous = current, Next = current,
                        PreviousText = b2vSettings.CurrentVersion, NextText = b2vSettings.CurrentVersion,
                        Files = Array.Empty<VersionFileChange>(), Branch = head?.Branch, HeadSha = head?.Sha, Remote = remote,
                        ConfigSources = config.Sources, NoReleaseReason = why, LastReleaseTag = previousRelease?.Name,
                    };
                }
                b2v = Bump2VersionPlanner.Plan(b2vSettings, root, part, request.Bump.Explicit, context.Log);
                next = LenientOrZero(b2v.NewText);
                if (commits is not null) level = VersionPolicy.Effective(commits.Level, previousRelease?.Version ?? current, conventions.MajorOnZero);
                context.Log.Verbose($"Version {b2v.CurrentText} → {b2v.NewText} ({b2vSettings.Description}, part {part ?? "-Version"})");
            }
            else if (request.Auto)
            {
                var label = request.Bump.PreReleaseLabel;
                if (label is { Length: 0 }) label = current.IsPrerelease ? current.PrereleaseIdentifiers[0].Value : config.PreReleaseLabel;
                var decision = VersionPolicy.Decide(current, previousRelease?.Version, commits!.Level, label, knownVersions, conventions.MajorOnZero);
                level = decision.Level;
                reason = decision.Reason;
                if (!decision.IsRelease)
                {
                    context.Log.Verbose($"No release: {decision.Reason}");
                    return new StepVersionPlan
                    {
                        ProjectRoot = root,
                        RepositoryRoot = repo?.WorkingDirectory,
                        Previous = current,
                        Next = current,
                        Files = Array.Empty<VersionFileChange>(),
                        Branch = head?.Branch,
                        HeadSha = head?.Sha,
                        Remote = remote,
                        ConfigSources = config.Sources,
                        NoReleaseReason = decision.Reason,
                        Level = decision.Level,
                        LastReleaseTag = previousRelease?.Name,
                        TagSource = project?.TagSource,
                    };
                }
                next = decision.Version!;
                alreadyBumped = decision.AlreadyInFiles;
                if (alreadyBumped) context.Log.Warning($"No second bump: {decision.Reason}. It is tagged now.");
                context.Log.Verbose($"Version {current} → {next} (-Auto: {decision.Reason})");
            }
            else
            {
                var bump = request.Bump;
                if (bump.PreReleaseLabel is { Length: 0 } && !current.IsPrerelease)
                {
                    bump = bump with { PreReleaseLabel = config.PreReleaseLabel };
                }
                next = VersionBump.Next(current, bump, knownVersions);
                if (AlreadyBumped(current, previousRelease?.Version, bump, knownVersions) is { } why)
                {
                    next = current;
                    alreadyBumped = true;
                    reason = why;
                    context.Log.Warning($"No second bump: {why}. It is tagged now.");
                }
                if (commits is not null) level = VersionPolicy.Effective(commits.Level, previousRelease?.Version ?? current, conventions.MajorOnZero);
                context.Log.Verbose($"Version {current} → {next} ({request.Bump})");
            }

            string? tagName = null;
            if (tag)
            {
                tagName = b2v is null ? tagFormat.Format(next) : b2v.RenderMessage(b2vSettings!.TagName);
                if (GitRefName.Problem("refs/tags/" + tagName) is { } badTag)
                {
                    throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, "a tag name git accepts",
                        $"'{tagName}': {badTag}", "Fix tag_name in the configuration; nothing was changed", tagName);
                }
                if (repo!.FindTag(tagName) is { } existing)
                {
                    throw new X0Exception(ErrorIds.TagExists, X0ErrorCategory.ResourceExists,
                        $"tag {tagName} to be free", $"it already exists locally at {existing.TargetSha[..12]}",
                        "Versions are never reused: pick the next version, or delete the stray local tag with git tag -d " + tagName, tagName);
                }
                if (remoteTagNames.Contains(tagName, StringComparer.Ordinal))
                {
                    throw new X0Exception(ErrorIds.TagExistsOnRemote, X0ErrorCategory.ResourceExists,
                        $"tag {tagName} to be unused on '{remote}'", "it already exists there: this version was already used",
                        "Fetch tags (git fetch --tags) and bump to the next version; never move a published tag", tagName);
                }
            }

            context.Progress.Report(new X0Progress("Step-X0Version", "Planning edits", 60));
            // Several anchors may live in one file (pyproject [project].version and [tool.bumpversion]
            // current_version): they become one edit of that file, or the last write would undo the others.
            if (b2v is not null)
            {
                foreach (var e in b2v.Edits) writePaths[e.FullPath] = VersionFileTarget.Resolve(e.FullPath, boundary);
                CheckVersionFilesClean(b2v.Edits.Select(e => writePaths[e.FullPath]));
            }
            var changes = b2v is not null
                ? b2v.Edits.Select(e => new VersionFileChange(new Bump2VersionTarget(e.FullPath, root), e.Original, e.Updated,
                    e.Lines.Select(l => new VersionLineChange(e.RelativePath, l.Line, l.Before, l.After)).ToList()) { WritePath = writePaths[e.FullPath] }).ToList()
                : readings
                .Where(_ => !alreadyBumped)
                .GroupBy(r => writePaths[r.File.FullPath], StringComparer.Ordinal)
                .Select(g => PlanFile(g.First().Content, g.Select(r => (r.File, r.Reading)).ToList(), next) with { WritePath = g.Key })
                .ToList();

            ReleaseNote? notes = null;
            ChangelogChange? changelog = null;
            if (commits is not null && history is not null)
            {
                notes = history.ToNote(commits, next.ToString(), tagName ?? tagFormat.Format(next), previousRelease, GetReleaseNotes.Now(),
                    unreleased: false, level, reason ?? $"{commits.CommitCount} commit(s) since {previousRelease?.Name ?? "the start of history"}");
                // Pre-releases leave the changelog alone: the final release gathers everything since the last final one.
                if (changelogOn && !next.IsPrerelease)
                {
                    changelog = PlanChangelog(changelogPath, root, commit ? repo : null, dirty, notes, history.Links, context);
                }
            }

            if (request.Push && repo is not null && head?.Branch is not null)
            {
                context.Progress.Report(new X0Progress("Step-X0Version", $"Comparing {head.Branch} with {remote}", 75));
                var remoteSha = remoteRefs.FirstOrDefault(r => r.Name == $"refs/heads/{head.Branch}")?.Sha;
                if (remoteSha is not null && !repo.IsAncestor(remoteSha, head.Sha!))
                {
                    throw new X0Exception(ErrorIds.BranchBehindRemote, X0ErrorCategory.InvalidOperation,
                        $"{head.Branch} to contain everything on {remote}/{head.Branch}",
                        $"{remote}/{head.Branch} is at {remoteSha[..12]}, which {head.Branch} does not contain",
                        $"Run git pull --rebase {remote} {head.Branch}, check the result, then bump again", head.Branch);
                }
            }
            else if (tag && hasRemote && repo is not null && head?.Branch is not null
                     && repo.GetCommit($"refs/remotes/{remote}/{head.Branch}") is { } tracked && !repo.IsAncestor(tracked.Sha, head.Sha!))
            {
                // No network without -Push, but what the last fetch saw counts: a tag on a commit the remote branch
                // has moved past cannot go out with its branch (Publish-X0Release's push would be refused).
                throw new X0Exception(ErrorIds.BranchBehindRemote, X0ErrorCategory.InvalidOperation,
                    $"{head.Branch} to contain everything on {remote}/{head.Branch}",
                    $"{remote}/{head.Branch} (as of the last fetch) is at {tracked.Sha[..12]}, which {head.Branch} does not contain",
                    $"Run git pull --rebase {remote} {head.Branch}, check the result, then bump again", head.Branch);
            }

            var previous = alreadyBumped && previousRelease is not null ? previousRelease.Version : current;
            var values = Placeholders(previous, next, tagName, tagFormat);
            return new StepVersionPlan
            {
                ProjectRoot = root,
                RepositoryRoot = repo?.WorkingDirectory,
                Previous = previous,
                Next = next,
                Files = changes,
                // Nothing to commit (bumped earlier, or a tag-only project): the tag goes on HEAD, which holds the version.
                CommitMessage = !commit || (changes.Count == 0 && changelog is null) ? null
                    : b2v is not null ? b2v.RenderMessage(b2vSettings!.Message) : Render(config.CommitMessage, values),
                PreviousText = b2v?.CurrentText,
                NextText = b2v?.NewText,
                AlreadyBumped = alreadyBumped,
                TagSource = project?.TagSource,
                LastReleaseTag = previousRelease?.Name,
                Tag = tagName,
                TagMessage = tagName is null ? null
                    : b2v is not null ? (b2v.RenderMessage(b2vSettings!.TagMessage) is { Length: > 0 } m ? m : tagName) : Render(config.TagMessage, values),
                Branch = head?.Branch,
                HeadSha = head?.Sha,
                Push = request.Push,
                Remote = remote,
                RemoteBranchSha = head?.Branch is null ? null : remoteRefs.FirstOrDefault(r => r.Name == $"refs/heads/{head.Branch}")?.Sha,
                ConfigSources = config.Sources,
                Reason = reason,
                Level = level,
                Notes = notes,
                Changelog = changelog,
            };
        }
        finally
        {
            if (remoteRead is { IsCompleted: false })
            {
                // A local check failed first: stop git (ProcessRunner kills its tree) and let it finish.
                remoteCancel.Cancel();
                try
                {
                    await remoteRead.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Its outcome no longer matters; the local error is the one to report.
                }
            }
            else if (remoteRead is { IsFaulted: true })
            {
                _ = remoteRead.Exception;   // observed: the local error, or the plan, already decided
            }
        }
    }

    private static SemVersion LenientOrZero(string text)
    {
        try
        {
            return VersionText.ParseLenient(text);
        }
        catch (X0Exception)
        {
            // A bump2version scheme outside SemVer and PEP 440 ("1.2.3.4"): its text is what counts.
            return new SemVersion(0, 0, 0);
        }
    }

    /// <summary>The bump2version part a request names: -Major/-Minor/-Patch, -Part, or the level -Auto infers; null for -Version or no release.</summary>
    private static string? Bump2VersionPart(StepVersionRequest request, ReleaseNoteBuilder? commits, SemVersion baseVersion, CommitConventions conventions)
    {
        var bump = request.Bump;
        if (bump.PreReleaseLabel is not null || bump.Release)
        {
            throw new X0Exception(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument,
                "a bump of a part the bump2version configuration defines", request.Auto ? "-Auto -PreRelease" : bump.ToString(),
                "bump2version has no pre-release step of its own: define the part in parse/serialize (e.g. release with values) and pass -Part <name>", request.Path);
        }
        if (bump.Part is not null) return bump.Part;
        if (request.Auto)
        {
            return VersionPolicy.Effective(commits!.Level, baseVersion, conventions.MajorOnZero) switch
            {
                ReleaseLevel.Major => "major",
                ReleaseLevel.Minor => "minor",
                ReleaseLevel.Patch => "patch",
                _ => null,
            };
        }
        return bump.Component switch
        {
            VersionComponent.Major => "major",
            VersionComponent.Minor => "minor",
            VersionComponent.Patch => "patch",
            _ => null,
        };
    }

    /// <summary>
    /// Why a component bump must not bump again: the files are ahead of the last release tag and hold exactly what
    /// the same bump of that tag gives (an earlier run committed the bump and never tagged it). Null otherwise.
    /// </summary>
    private static string? AlreadyBumped(SemVersion current, SemVersion? lastRelease, BumpRequest bump, IReadOnlyList<SemVersion> known)
    {
        if (lastRelease is null || current.IsPrerelease || bump.Component == VersionComponent.None || bump.PreReleaseLabel is not null
            || current.ComparePrecedenceTo(lastRelease) <= 0 || known.Any(k => k.ComparePrecedenceTo(current) == 0))
        {
            return null;
        }
        var fromTag = VersionBump.Next(lastRelease, bump, known);
        return fromTag.ComparePrecedenceTo(current) == 0
            ? $"bumped, not tagged: the files already hold {current}, which is {bump} from the last release {lastRelease}"
            : null;
    }

    /// <param name="repo">The repository when the edit will be committed (then the file must be clean), else null.</param>
    private static ChangelogChange? PlanChangelog(string path, string root, IGitRepository? repo, IReadOnlyList<GitDirtyPath> dirty,
        ReleaseNote notes, RepositoryLinks? links, X0Context context)
    {
        var relative = System.IO.Path.GetRelativePath(root, path).Replace('\\', '/');
        if (repo is not null)
        {
            var repoRelative = RepoRelative(repo, path);
            if (dirty.Any(d => d.Path == repoRelative))
            {
                // Its uncommitted lines would ride along in the release commit unseen.
                throw new X0Exception(ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
                    $"{relative} without uncommitted changes (the release commit updates it)", $"uncommitted changes in {repoRelative}",
                    $"Commit your edits to {relative} first (git commit {repoRelative}), or pass -NoChangelog", path);
            }
        }
        if (!File.Exists(path))
        {
            var created = ChangelogDocument.Insert(ChangelogDocument.NewFile(), notes, links);
            return new ChangelogChange(path, relative, null, new System.Text.UTF8Encoding(false).GetBytes(created.Text), "created with " + created.Summary);
        }
        var content = TextFileContent.Read(path);
        var insertion = ChangelogDocument.Insert(content.Text, notes, links);
        if (!insertion.Changed)
        {
            context.Log.Verbose($"{relative}: {insertion.Summary}");
            return null;
        }
        return new ChangelogChange(path, relative, content.Bytes, content.Encode(insertion.Text), insertion.Summary);
    }

    /// <summary>Applies a plan. On any failure every local change is undone before the error surfaces.</summary>
    public async Task<StepVersionResult> ExecuteAsync(StepVersionPlan plan, StepVersionRequest request, X0Context context, bool push = true)
    {
        var ct = context.Cancellation;
        if (plan.IsNoRelease)
        {
            return new StepVersionResult(plan, null, false, false);
        }
        var files = new AtomicFileSet(_fileOperations);
        foreach (var f in plan.Files)
        {
            files.Add(f.WritePath, f.Original, f.Updated);
        }
        if (plan.Changelog is { } cl)
        {
            files.Add(cl.FullPath, cl.Original, cl.Updated);
        }
        // The plan's checks (clean tree, tags, not behind the remote) hold for the HEAD it saw; a commit or
        // checkout since then (during a -Confirm prompt, say) makes it stale.
        using var repo = plan.CommitMessage is null && plan.Tag is null ? null : _openRepository(plan.ProjectRoot, request.Token);
        if (repo is not null && (repo.Head.Sha != plan.HeadSha || repo.Head.Branch != plan.Branch))
        {
            throw new X0Exception(ErrorIds.HeadMoved, X0ErrorCategory.ResourceBusy,
                $"HEAD at {plan.HeadSha?[..12]} on {plan.Branch}, as when the bump was planned",
                $"HEAD at {repo.Head.Sha?[..12]} on {repo.Head.Branch ?? "a detached HEAD"}",
                "Run the command again; nothing was changed", plan.ProjectRoot);
        }

        context.Progress.Report(new X0Progress("Step-X0Version", $"Writing {plan.Files.Count} version file(s)", 80));
        files.Commit(ct);
        context.Log.Verbose($"Wrote {string.Join(", ", plan.Files.Select(f => f.File.RelativePath))}");

        if (repo is null)
        {
            return new StepVersionResult(plan, null, false, false);
        }

        var paths = plan.Files.Select(f => RepoRelative(repo, f.WritePath))
            .Concat(plan.Changelog is null ? Array.Empty<string>() : new[] { RepoRelative(repo, plan.Changelog.FullPath) })
            .Distinct(StringComparer.Ordinal).ToList();
        string? commitSha = null;
        string? parentSha = null;
        var tagged = false;
        try
        {
            // Past this point cancellation would leave a half-release; finish locally, then honour it.
            context.Progress.Report(new X0Progress("Step-X0Version", "Committing", 85));
            if (plan.CommitMessage is null)
            {
                // Nothing to commit: HEAD already holds the version (bumped, not tagged; or tag-only).
                commitSha = plan.HeadSha!;
            }
            else
            {
                parentSha = repo.Head.Sha;
                commitSha = repo.CommitPaths(paths, plan.CommitMessage);
                context.Log.Verbose($"Committed {commitSha[..12]}: {plan.CommitMessage.Split('\n')[0]}");
            }
            if (plan.Tag is not null)
            {
                repo.CreateAnnotatedTag(plan.Tag, commitSha, plan.TagMessage ?? plan.Tag);
                tagged = true;
                context.Log.Verbose($"Tagged {commitSha[..12]} as {plan.Tag}");
            }
            if (plan.Push && push)
            {
                ct.ThrowIfCancellationRequested();
                context.Progress.Report(new X0Progress("Step-X0Version", $"Pushing to {plan.Remote}", 90));
                await PushAndVerifyAsync(repo, plan, commitSha, ct).ConfigureAwait(false);
                return new StepVersionResult(plan, commitSha, tagged, true);
            }
            return new StepVersionResult(plan, commitSha, tagged, false);
        }
        catch (PartialPushException partial)
        {
            throw partial.Error;
        }
        catch (Exception ex)
        {
            context.Log.Warning($"Rolling back the local commit and tag: {SecretRedactor.Redact(ex.Message)}");
            Rollback(repo, plan, paths, commitSha, parentSha, tagged, context.Log);
            throw;
        }
    }

    private static async Task PushAndVerifyAsync(IGitRepository repo, StepVersionPlan plan, string commitSha, CancellationToken ct)
    {
        var refspecs = new List<string> { $"refs/heads/{plan.Branch}:refs/heads/{plan.Branch}" };
        if (plan.Tag is not null) refspecs.Add($"refs/tags/{plan.Tag}:refs/tags/{plan.Tag}");
        Exception? pushError = null;
        try
        {
            await repo.PushAsync(plan.Remote, refspecs, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is X0Exception or OperationCanceledException)
        {
            pushError = ex;
        }

        // The exit code is not the truth; the remote's refs are. Read them even after a failure:
        // a push cut off after the server applied it is a success.
        var patterns = refspecs.Select(r => r.Split(':')[1]).ToList();
        var refs = await repo.ListRemoteRefsAsync(plan.Remote, patterns, CancellationToken.None).ConfigureAwait(false);
        var branchOk = refs.Any(r => r.Name == $"refs/heads/{plan.Branch}" && r.Sha == commitSha);
        var tagOk = plan.Tag is null || refs.Any(r => r.Name == $"refs/tags/{plan.Tag}" && r.CommitSha == commitSha);
        if (branchOk && tagOk)
        {
            return;
        }
        if (branchOk)
        {
            // The remote already holds the release commit: undoing it locally would fork history.
            throw new PartialPushException(new X0Exception(ErrorIds.PushRejected, X0ErrorCategory.InvalidResult,
                $"{plan.Remote} to hold tag {plan.Tag} at {commitSha[..12]}", $"the branch was pushed but the tag was not",
                $"Push the tag with git push {plan.Remote} refs/tags/{plan.Tag}; the local commit and tag were kept", plan.Remote));
        }
        if (PendingRelease.Race(plan, commitSha, refs) is { } race)
        {
            throw race;
        }
        if (pushError is not null)
        {
            throw pushError;
        }
        var held = plan.Tag is null ? plan.Branch : $"{plan.Branch} and {plan.Tag}";
        var state = plan.Tag is null
            ? "branch not updated (the push reported success)"
            : $"branch not updated, tag {(tagOk ? "present" : "missing")} (the push reported success)";
        // A tag the remote kept without its branch points at a commit no branch holds there: the local
        // rollback cannot undo it, and the next bump would find the version taken.
        var strayTag = plan.Tag is not null && tagOk
            ? $"; delete the tag the remote kept with git push {plan.Remote} :refs/tags/{plan.Tag} before bumping again"
            : string.Empty;
        throw new X0Exception(ErrorIds.PushRejected, X0ErrorCategory.InvalidResult,
            $"{plan.Remote} to hold {held} at {commitSha[..12]} after the push", state,
            $"Check the remote's branch protection and hooks; the local commit{(plan.Tag is null ? " was" : " and tag were")} rolled back{strayTag}", plan.Remote);
    }

    private static void Rollback(IGitRepository repo, StepVersionPlan plan, IReadOnlyList<string> paths, string? commitSha,
        string? parentSha, bool tagged, IX0Log log)
    {
        if (tagged && plan.Tag is not null) repo.DeleteTag(plan.Tag);
        if (commitSha is not null && parentSha is not null)
        {
            // Only our own commit is undone, back to its real parent: never a commit someone added on top.
            if (repo.Head.Sha == commitSha)
            {
                repo.UndoCommit(parentSha, paths);
            }
            else
            {
                log.Warning($"The release commit {commitSha[..12]} is no longer at HEAD, so it was left in history; revert it with git revert {commitSha[..12]} if needed.");
                return;
            }
        }
        foreach (var f in plan.Files)
        {
            File.WriteAllBytes(f.WritePath, f.Original);
        }
        if (plan.Changelog is { } changelog)
        {
            if (changelog.Original is null) File.Delete(changelog.FullPath);
            else File.WriteAllBytes(changelog.FullPath, changelog.Original);
        }
    }

    private static IGitRepository? TryOpen(string root, string? token)
    {
        try
        {
            return LibGit2Repository.Open(root, token);
        }
        catch (X0Exception)
        {
            return null;
        }
    }

    private static void CheckHead(GitHead head, string root, IGitRepository repo)
    {
        if (head.IsUnborn)
        {
            throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
                "a branch with at least one commit", "a repository without commits", "Make an initial commit first", root);
        }
        if (head.IsDetached)
        {
            // Name the branch to switch to: one whose tip is HEAD, else the branch GitHub Actions says it runs for.
            var env = Ci.ProcessEnvironment.Snapshot();
            string? Env(string k) => env.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
            var branch = repo.GetBranchesAt(head.Sha!).FirstOrDefault()
                         ?? Env("GITHUB_HEAD_REF")
                         ?? (Env("GITHUB_REF_TYPE") == "branch" ? Env("GITHUB_REF_NAME") : null);
            var fix = branch is not null
                ? $"Switch to {branch} first (git switch {branch}); in GitHub Actions give actions/checkout ref: {branch}; or pass -NoCommit"
                : "Switch to the release branch first (git switch <branch>); in GitHub Actions check out the branch, not the tag or PR merge ref, or pass -NoCommit";
            throw new X0Exception(ErrorIds.DetachedHead, X0ErrorCategory.InvalidOperation,
                "a checked-out branch to commit the bump to", $"a detached HEAD at {head.Sha![..12]}{(branch is null ? string.Empty : $" (the tip of {branch})")}",
                fix, root);
        }
    }

    /// <summary>
    /// One edit of one file: every site of every anchor read from <paramref name="content"/>, applied to
    /// the original text in order. Identical sites found by two anchors are applied once; overlapping
    /// different sites are refused (the result would depend on the order).
    /// </summary>
    internal static VersionFileChange PlanFile(TextFileContent content, IReadOnlyList<(VersionFile File, VersionReading Reading)> readings, SemVersion next)
    {
        var text = content.Text;
        var file = readings[0].File;
        var sites = new List<VersionSite>();
        foreach (var site in readings.SelectMany(r => r.Reading.Sites).OrderBy(s => s.Start).ThenBy(s => s.Length))
        {
            if (sites.Count > 0 && sites[^1].Start == site.Start && sites[^1].Length == site.Length)
            {
                continue;
            }
            if (sites.Count > 0 && site.Start < sites[^1].Start + sites[^1].Length)
            {
                throw new X0Exception(ErrorIds.PatternAmbiguous, X0ErrorCategory.InvalidData,
                    $"the version anchors of {file.RelativePath} to find separate places",
                    $"overlapping matches on line {TextLines.LineNumberAt(text, site.Start)} ({string.Join(", ", readings.Select(r => r.File.Anchor))})",
                    $"Configure one anchor for that line of {file.RelativePath}", file.FullPath);
            }
            sites.Add(site);
        }

        var sb = new System.Text.StringBuilder(text.Length + 16);
        var position = 0;
        var replacements = new List<(int Start, int Length, string New)>();
        foreach (var site in sites)
        {
            var replacement = site.Render(next);
            sb.Append(text, position, site.Start - position).Append(replacement);
            position = site.Start + site.Length;
            replacements.Add((site.Start, site.Length, replacement));
        }
        sb.Append(text, position, text.Length - position);
        var updatedText = sb.ToString();

        var lines = new List<VersionLineChange>();
        var shift = 0;
        foreach (var (start, length, replacement) in replacements)
        {
            var before = TextLines.LineText(text, start);
            var after = TextLines.LineText(updatedText, start + shift);
            lines.Add(new VersionLineChange(file.RelativePath, TextLines.LineNumberAt(text, start), before, after));
            shift += replacement.Length - length;
        }
        return new VersionFileChange(file, content.Bytes, content.Encode(updatedText), lines);
    }

    private static string RepoRelative(IGitRepository repo, string fullPath) =>
        System.IO.Path.GetRelativePath(repo.WorkingDirectory, fullPath).Replace('\\', '/');

    private static Dictionary<string, string> Placeholders(SemVersion current, SemVersion next, string? tag, TagFormat format) => new()
    {
        ["{current_version}"] = current.ToString(),
        ["{new_version}"] = next.ToString(),
        ["{version}"] = next.ToString(),
        ["{previous_version}"] = current.ToString(),
        ["{tag}"] = tag ?? format.Format(next),
        ["{current_tag}"] = format.Format(current),
    };

    private static string Render(string template, Dictionary<string, string> values)
    {
        foreach (var (k, v) in values) template = template.Replace(k, v, StringComparison.Ordinal);
        return template;
    }
}

/// <summary>A push that reached the remote only in part; carries the error to surface without a local rollback.</summary>
internal sealed class PartialPushException(X0Exception error) : Exception(error.Message, error)
{
    public X0Exception Error { get; } = error;
}

using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// Read-only checks before anything is written anywhere: the tag exists at HEAD (and, when the remote has
/// it already, at the same commit there; otherwise the Push step pushes it later), every version file holds the tag's version, the tree is clean, CHANGELOG.md has the
/// version's section, the token may write, and the notes are not empty.
/// </summary>
public sealed class PreflightStep : ReleaseStep
{
    private readonly IReleaseNotesSource _notes;
    private readonly IGitHubReleaseGateway? _github;

    public PreflightStep(IReleaseNotesSource notes, IGitHubReleaseGateway? github)
    {
        _notes = notes;
        _github = github;
    }

    public override string Name => "Preflight";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var ct = context.Cancellation;
        var repo = state.Repository;
        var request = state.Request;
        var format = state.Config.Tags;
        var head = repo.Head;
        if (head.IsUnborn)
        {
            throw new X0Exception(ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound, "a repository with a tagged commit",
                "no commits", "Commit, then create the release tag with Step-X0Version", repo.WorkingDirectory);
        }

        // 1. The tag, its version and its commit.
        var tagName = request.Tag
            ?? (request.Version is not null ? format.Format(VersionText.ParseLenient(request.Version)) : null)
            ?? ReleaseTagAtHead(state, head.Sha!);
        var tag = repo.FindTag(tagName) ?? throw new X0Exception(ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound,
            $"the release tag {tagName} in this repository", "no such tag",
            $"Create it with Step-X0Version (or git fetch --tags if it exists on the remote)", tagName);
        if (!format.TryParse(tagName, out var version))
        {
            throw new X0Exception(ErrorIds.ReleaseTagNotFound, X0ErrorCategory.InvalidArgument,
                $"a tag in the format {format.Template}", $"'{tagName}'", "Pass -Tag with a release tag such as v1.2.0", tagName);
        }
        state.UseTag(tagName);
        state.Version = version;
        state.Commit = tag.TargetSha;
        if (!string.Equals(tag.TargetSha, head.Sha, StringComparison.Ordinal))
        {
            throw new X0Exception(ErrorIds.ReleaseNotAtHead, X0ErrorCategory.InvalidOperation,
                $"HEAD at the tagged commit {tag.TargetSha[..12]} (assets and gates come from the working tree)",
                $"HEAD at {head.Sha![..12]}", $"Check out the tag first: git switch --detach {tagName}", tagName);
        }

        // 2. A clean tree: what we test and attach must be what the tag holds.
        var dirty = repo.GetDirtyPaths();
        if (dirty.Count > 0)
        {
            throw new X0Exception(ErrorIds.DirtyWorkingTree, X0ErrorCategory.InvalidOperation,
                "a clean working tree at the release tag", $"changes in {string.Join(", ", dirty.Take(20).Select(d => d.Path))}",
                "Commit or stash them, then publish again", repo.WorkingDirectory);
        }

        // 3. Every version file holds the tag's version (PEP 440 spellings map onto the tag's SemVer).
        var project = ProjectVersionReader.Read(state.Config, context.Log);
        if (project.Version.WithoutMetadata() != version!.WithoutMetadata())
        {
            throw new X0Exception(ErrorIds.VersionMismatch, X0ErrorCategory.InvalidData,
                $"every version file to hold {version} (the version of tag {tagName})",
                string.Join("; ", project.Files.Select(f => $"{f.File.RelativePath} = {f.Reading.Written}")),
                "Bump with Step-X0Version so files and tag move together; never tag by hand", tagName);
        }

        // 4. CHANGELOG.md, when the project keeps one, has the version's section. Pre-releases have none:
        //    Step-X0Version leaves the changelog to the final release, which gathers everything since the last one.
        var changelog = Path.Combine(state.Config.Root, "CHANGELOG.md");
        if (!version!.IsPrerelease && File.Exists(changelog) && !HasSection(await File.ReadAllTextAsync(changelog, ct).ConfigureAwait(false), version!))
        {
            throw new X0Exception(ErrorIds.ChangelogMissingVersion, X0ErrorCategory.InvalidData,
                $"a section for {version} in CHANGELOG.md", "none",
                "Bump with Step-X0Version (it writes the section), or add '## [" + version + "]' by hand", changelog);
        }

        // 5. The remote holds the same tag at the same commit (when there is a remote).
        var publishesToGitHub = state.GitHubRepository is not null && _github is not null;
        var tagOnlyLocal = false;
        if (repo.GetRemoteUrl(request.Remote) is not null)
        {
            IReadOnlyList<Git.GitRemoteRef> refs;
            var unread = false;
            try
            {
                refs = await repo.ListRemoteRefsAsync(request.Remote, new[] { $"refs/tags/{tagName}" }, ct).ConfigureAwait(false);
            }
            catch (X0Exception ex) when (!publishesToGitHub)
            {
                context.Log.Warning($"Could not read '{request.Remote}' to confirm the tag is pushed: {ex.Found}");
                refs = Array.Empty<Git.GitRemoteRef>();
                unread = true;
            }
            var remoteTag = refs.FirstOrDefault(r => r.Name == $"refs/tags/{tagName}");
            // A tag only local is pushed by the Push step, after the gates and the package checks passed.
            tagOnlyLocal = remoteTag is null && !unread;
            if (remoteTag is not null && remoteTag.CommitSha != state.Commit)
            {
                throw TagUsedElsewhere(tagName, request.Remote, state.Commit, remoteTag.CommitSha);
            }
        }

        // 6. The token may write releases — found now, before any upload.
        if (publishesToGitHub)
        {
            var permissions = await _github!.GetPermissionsAsync(state.GitHubRepository!, ct).ConfigureAwait(false);
            if (!permissions.CanWriteContents)
            {
                throw new X0Exception(ErrorIds.PermissionMissing, X0ErrorCategory.PermissionDenied,
                    $"a token with contents: write on {state.GitHubRepository}", permissions.Evidence,
                    "In GitHub Actions add 'permissions: contents: write' to the job; otherwise use a token with the repo scope", state.GitHubRepository);
            }
        }

        // 7. Notes.
        state.Notes = request.Notes is { } given
            ? new ReleaseNotes(given, null, 1)
            : await _notes.GetNotesAsync(state.Config.Root, tagName, ct).ConfigureAwait(false);
        if (request.Notes is null && state.Notes.PreviousTag is null && repo.IsShallow)
        {
            // actions/checkout's default (depth 1, no tags): the notes would run to the cut, not to the previous release.
            throw new X0Exception(ErrorIds.ShallowClone, X0ErrorCategory.InvalidOperation,
                $"the history back to the release before {tagName}, for its notes",
                "a shallow clone in which no earlier release tag is reachable (history and tags cut off)",
                "In GitHub Actions set fetch-depth: 0 on actions/checkout; locally run git fetch --tags --unshallow (or pass -Notes)", tagName);
        }
        if (request.Notes is not null && string.IsNullOrWhiteSpace(request.Notes))
        {
            throw new X0Exception(ErrorIds.NotesEmpty, X0ErrorCategory.InvalidArgument,
                $"release notes for {tagName}", "-Notes with only white space", "Pass the notes' text, or leave -Notes out to generate them from the commits", tagName);
        }
        if (state.Notes.EntryCount == 0 || string.IsNullOrWhiteSpace(state.Notes.Markdown))
        {
            throw new X0Exception(ErrorIds.NotesEmpty, X0ErrorCategory.InvalidData,
                $"release notes for {tagName}", $"no releasable Conventional Commits since {state.Notes.PreviousTag ?? "the first commit"}",
                "Write commits as feat:/fix:/perf: …, or pass -Notes with the text", tagName);
        }

        var detail = $"{tagName} at {state.Commit[..12]}{(tagOnlyLocal ? $" (not on '{request.Remote}' yet: pushed after the gates)" : string.Empty)}: files hold {version}, tree clean" +
                                    (publishesToGitHub ? $", token may write {state.GitHubRepository}" : string.Empty) +
                                    $", {state.Notes.EntryCount} note entr{(state.Notes.EntryCount == 1 ? "y" : "ies")}";
        // The checks ran either way; the record only says whether this exact release completed before.
        return state.PreviousRecord?.Completed == true && state.PreviousRecord.Commit == state.Commit
            ? StepPlan.AlreadyDone(detail)
            : StepPlan.Checked(detail);
    }

    public override Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context) => Task.FromResult(plan.Detail);

    private static string ReleaseTagAtHead(ReleaseState state, string headSha)
    {
        var format = state.Config.Tags;
        var best = state.Repository.GetTags()
            .Where(t => t.TargetSha == headSha && format.TryParse(t.Name, out _))
            .Select(t => (t.Name, Version: format.TryParse(t.Name, out var v) ? v! : null!))
            .OrderByDescending(t => t.Version, Semver.SemVersion.PrecedenceComparer)
            .FirstOrDefault();
        return best.Name ?? throw new X0Exception(ErrorIds.ReleaseTagNotFound, X0ErrorCategory.ObjectNotFound,
            $"a release tag ({format.Template}) at HEAD {headSha[..12]}", "none",
            "Create one with Step-X0Version -Minor (or pass -Tag / -Version)", headSha);
    }

    /// <summary>The remote holds the release tag at another commit: the version is taken (the Push step checks it again).</summary>
    internal static X0Exception TagUsedElsewhere(string tag, string remote, string commit, string remoteCommit) =>
        new(ErrorIds.TagExistsOnRemote, X0ErrorCategory.ResourceExists,
            $"tag {tag} on '{remote}' at {commit[..12]}", $"it points at {remoteCommit[..12]} there",
            "The version was already used for other code: bump to the next version; never move a published tag", tag);

    internal static bool HasSection(string changelog, Semver.SemVersion version)
    {
        var spellings = new List<string> { version.ToString() };
        if (Pep440.TryFromSemVer(version, out var pep, out _) && pep != version.ToString()) spellings.Add(pep!);
        return spellings.Any(s => Regex.IsMatch(changelog, $@"^##\s+\[?v?{Regex.Escape(s)}\]?(\s|$)", RegexOptions.Multiline));
    }
}

using Semver;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>What Get-X0ReleaseNote was asked for.</summary>
public sealed record ReleaseNotesRequest
{
    public required string Path { get; init; }
    /// <summary>The release at this tag; null = the changes since the last release (the next version).</summary>
    public string? Tag { get; init; }
    /// <summary>Every release reachable from HEAD, newest first (the unreleased changes on top when there are any).</summary>
    public bool All { get; init; }
    /// <summary>Refuse non-conventional commits; null = the configured default.</summary>
    public bool? Strict { get; init; }
    /// <summary>Ranges walked at once for <see cref="All"/>.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>One release's notes with their Markdown.</summary>
public sealed record RenderedNote(ReleaseNote Note, string Markdown, RepositoryLinks? Links);

/// <summary>
/// The use case behind Get-X0ReleaseNote: read-only. Uses the same commit conventions and version
/// policy as Step-X0Version -Auto, so the version named in the notes is the version the bump makes.
/// </summary>
public sealed class GetReleaseNotes
{
    private readonly Func<string, IGitRepository> _openRepository;

    public GetReleaseNotes(Func<string, IGitRepository>? openRepository = null) =>
        _openRepository = openRepository ?? (path => LibGit2Repository.Open(path));

    public IEnumerable<RenderedNote> Run(ReleaseNotesRequest request, X0Context context)
    {
        var root = System.IO.Path.GetFullPath(request.Path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "a project directory", $"no directory {root}", "Pass -Path with the project root", root);
        }
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        var conventions = CommitConventions.From(config);
        var strict = request.Strict ?? conventions.Strict;
        using var repo = _openRepository(root);
        var head = repo.Head;
        if (head.IsUnborn)
        {
            throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
                "a repository with at least one commit", "no commits", "Make a first commit", root);
        }
        if (repo.IsShallow)
        {
            context.Log.Warning("This is a shallow clone: history and tags may be cut off, so the notes may be incomplete (git fetch --tags --unshallow).");
        }
        var links = RepositoryLinks.From(conventions.RepositoryUrl, repo.GetRemoteUrl(config.Remote));
        var history = new ReleaseHistory(repo, config.Tags, conventions, links);
        context.Log.Verbose($"{history.Tags.Count} release tag(s) in format {config.TagFormat}; links: {links?.BaseUrl ?? "none (no GitHub remote)"}; history read through {LibGit2Repository.HistoryReader}");

        if (request.Tag is not null)
        {
            yield return Tagged(history, request.Tag, conventions, strict, links, context);
            yield break;
        }

        context.Progress.Report(new X0Progress("Get-X0ReleaseNote", "Reading unreleased commits", -1));
        var previous = history.FindPrevious(head.Sha!, null, null);
        // Tags above the last reachable final release are the only ones that can sit on HEAD.
        if (!request.All && history.TagAt(head.Sha!, previous?.Version) is { } atHead)
        {
            // A tag checkout (the release job of a tag push): the notes of that release.
            yield return Tagged(history, atHead.Name, conventions, strict, links, context);
            yield break;
        }

        var builder = history.Scan(head.Sha!, previous, context.Cancellation);
        var current = TryReadCurrentVersion(config, context.Log) ?? previous?.Version ?? history.Tags.FirstOrDefault()?.Version ?? new SemVersion(0, 0, 0);
        var decision = VersionPolicy.Decide(current, previous?.Version, builder.Level, null, history.Tags.Select(t => t.Version), conventions.MajorOnZero);
        if (!request.All || builder.CommitCount > 0)
        {
            if (strict) ReleaseHistory.EnforceStrict(builder.NonConventional, $"{previous?.Name ?? "the start of history"}..HEAD");
            var note = history.ToNote(builder, decision.Version?.ToString(), null, previous, Now(), unreleased: true, decision.Level, decision.Reason);
            yield return new RenderedNote(note, NoteMarkdown.Render(note, links), links);
        }
        if (!request.All) yield break;

        var count = 0;
        foreach (var (release, prev, b, tipDate) in history.AllReleases(head.Sha!, previous, request.Parallelism, context.Cancellation))
        {
            if (strict) ReleaseHistory.EnforceStrict(b.NonConventional, $"{prev?.Name ?? "the start of history"}..{release.Name}");
            var level = VersionPolicy.Effective(b.Level, prev?.Version ?? release.Version, conventions.MajorOnZero);
            var note = history.ToNote(b, release.Version.ToString(), release.Name, prev, release.Date ?? tipDate ?? DateTimeOffset.UnixEpoch,
                unreleased: false, level, $"{b.CommitCount} commit(s) since {prev?.Name ?? "the start of history"}");
            if ((++count & 15) == 0) context.Progress.Report(new X0Progress("Get-X0ReleaseNote", $"{count} releases", -1, CurrentOperation: release.Name));
            yield return new RenderedNote(note, NoteMarkdown.Render(note, links), links);
        }
        context.Progress.Report(new X0Progress("Get-X0ReleaseNote", "Done", 100, Completed: true));
    }

    private static RenderedNote Tagged(ReleaseHistory history, string tagName, CommitConventions conventions, bool strict, RepositoryLinks? links, X0Context context)
    {
        var release = history.FindTag(tagName) ?? throw new X0Exception(ErrorIds.TagNotFound, X0ErrorCategory.ObjectNotFound,
            $"a release tag named {tagName}", history.Tags.Count == 0 ? "no release tags at all" : $"no such tag among {history.Tags.Count} release tags (newest: {history.Tags[0].Name})",
            "Check the name (git tag --list), fetch tags (git fetch --tags), or check tag_format in the configuration", tagName);
        var previous = history.FindPrevious(release.Sha, release.Version, release.Channel);
        context.Log.Verbose($"Range {previous?.Name ?? "(start of history)"}..{release.Name}");
        var builder = history.Scan(release.Sha, previous, context.Cancellation);
        if (strict) ReleaseHistory.EnforceStrict(builder.NonConventional, $"{previous?.Name ?? "the start of history"}..{release.Name}");
        var level = VersionPolicy.Effective(builder.Level, previous?.Version ?? release.Version, conventions.MajorOnZero);
        var note = history.ToNote(builder, release.Version.ToString(), release.Name, previous, release.Date ?? DateTimeOffset.UnixEpoch,
            unreleased: false, level, $"{builder.CommitCount} commit(s) since {previous?.Name ?? "the start of history"}");
        return new RenderedNote(note, NoteMarkdown.Render(note, links), links);
    }

    /// <summary>The version the project's files hold, or null when they cannot be read (the notes still work from tags).</summary>
    internal static SemVersion? TryReadCurrentVersion(X0Config config, IX0Log log)
    {
        try
        {
            return ProjectVersionReader.Read(config, NullLog.Instance).Version;
        }
        catch (X0Exception ex)
        {
            log.Verbose($"Version files not used for the next version ({ex.ErrorId}): the latest tag stands in.");
            return null;
        }
    }

    /// <summary>Now, or SOURCE_DATE_EPOCH when set (reproducible builds).</summary>
    public static DateTimeOffset Now()
    {
        var epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        return long.TryParse(epoch, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s)
            ? DateTimeOffset.FromUnixTimeSeconds(s)
            : DateTimeOffset.Now;
    }
}

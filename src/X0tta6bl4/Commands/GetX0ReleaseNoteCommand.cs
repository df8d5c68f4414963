using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Gets release notes from the Conventional Commits of a release range: objects plus rendered Markdown.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "X0ReleaseNote", DefaultParameterSetName = NextSet)]
[OutputType(typeof(X0ReleaseNote))]
public sealed class GetX0ReleaseNoteCommand : X0Cmdlet
{
    private const string NextSet = "Next";
    private const string AllSet = "All";

    /// <summary>The release at this tag (range: the release before it … the tag). Binds from the Tag property of piped objects.</summary>
    [Parameter(Position = 0, ParameterSetName = NextSet, ValueFromPipelineByPropertyName = true)]
    public string? Tag { get; set; }

    /// <summary>Every release reachable from HEAD, newest first; unreleased changes on top when there are any.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Refuse commits that are not Conventional Commits, naming each.</summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    /// <summary>Project root (default: the current location). Binds from FullName/Path of piped objects.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        var tag = string.IsNullOrWhiteSpace(Tag) ? null : Tag.Trim();
        RunWorker(scope => Task.Run(() => Run(scope, root, tag), scope.Cancellation));
    }

    private void Run(WorkerScope scope, string root, string? tag)
    {
        var request = new ReleaseNotesRequest
        {
            Path = root,
            Tag = tag,
            All = All,
            Strict = Strict ? true : null,
        };
        var first = true;
        foreach (var rendered in new GetReleaseNotes().Run(request, scope.Context))
        {
            scope.Cancellation.ThrowIfCancellationRequested();
            var note = Map(rendered, root);
            if (first && !All)
            {
                var actions = GitHubActions.FromProcess();
                if (note.Version is not null) actions.SetOutput("notes-version", note.Version);
                actions.AppendSummary(note.Markdown);
            }
            first = false;
            scope.WriteObject(note);
        }
    }

    private static X0ReleaseNote Map(RenderedNote rendered, string root)
    {
        var n = rendered.Note;
        var links = rendered.Links;
        X0ReleaseNoteEntry Entry(Core.Notes.NoteEntry e) => new()
        {
            Type = e.Type,
            Scope = e.Scope,
            Description = e.Description,
            Breaking = e.IsBreaking,
            BreakingNotes = e.BreakingNotes.ToArray(),
            Sha = e.Sha,
            ShortSha = e.ShortSha,
            PullRequest = e.PullRequest,
            Issues = e.Issues.ToArray(),
            Author = e.Author,
            AuthorEmail = e.AuthorEmail,
            Date = e.Date,
            Header = e.Header,
            Url = links?.Commit(e.Sha),
        };
        var sections = n.Sections.Select(s => new X0ReleaseNoteSection
        {
            Title = s.Title,
            Types = s.Types.ToArray(),
            Hidden = s.Hidden,
            Entries = s.Entries.Select(Entry).ToArray(),
        }).ToArray();
        return new X0ReleaseNote
        {
            Version = n.Version,
            Tag = n.Tag,
            PreviousTag = n.PreviousTag,
            PreviousVersion = n.PreviousVersion,
            Date = n.Date,
            IsUnreleased = n.IsUnreleased,
            IsPrerelease = n.IsPrerelease,
            Level = n.Level.ToString(),
            Reason = n.Reason,
            Breaking = n.Breaking.Select(Entry).ToArray(),
            Sections = sections,
            Entries = sections.SelectMany(s => s.Entries).ToArray(),
            Other = n.NonConventional.Select(Entry).ToArray(),
            CommitCount = n.CommitCount,
            CancelledCount = n.CancelledCount,
            CompareUrl = n.CompareUrl,
            ReleaseUrl = n.ReleaseUrl,
            Markdown = rendered.Markdown,
            Path = root,
        };
    }
}

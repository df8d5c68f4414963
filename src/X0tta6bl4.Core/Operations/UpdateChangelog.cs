using System.Text;
using X0tta6bl4.Core.Commits;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Notes;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Workflows;

namespace X0tta6bl4.Core.Operations;

/// <summary>What Update-X0Changelog was asked for.</summary>
public sealed record ChangelogRequest
{
    public required string Path { get; init; }
    /// <summary>Also write the commits since the last release into ## [Unreleased] (a preview; the release commit moves them).</summary>
    public bool Unreleased { get; init; }
}

/// <summary>The changelog as it is and as the history says it should be.</summary>
public sealed record ChangelogPlan(string FullPath, string RelativePath, bool Exists, string NewText, byte[] NewBytes, ChangelogRebuild Rebuild, string Diff)
{
    public bool Changed => !Exists || Rebuild.Changed;
}

/// <summary>
/// The use case behind Update-X0Changelog: the changelog rebuilt from the project's Conventional Commits
/// and release tags — every released section's generated lines from its range, hand-written lines kept
/// (see <see cref="ChangelogDocument.Rebuild"/>) — and, with <see cref="ChangelogRequest.Unreleased"/>,
/// the changes not released yet. A missing file is created with a section per release. Byte-faithful:
/// encoding, BOM and line endings of an existing file are kept.
/// </summary>
public static class UpdateChangelog
{
    public static ChangelogPlan Plan(ChangelogRequest request, X0Context context)
    {
        var root = System.IO.Path.GetFullPath(request.Path);
        var config = ConfigLoader.Load(root);
        var conventions = CommitConventions.From(config);
        var full = System.IO.Path.Combine(root, conventions.ChangelogFile);
        var relative = System.IO.Path.GetRelativePath(root, full).Replace('\\', '/');
        // Get-X0ReleaseNote -All: the same ranges, conventions and links as the notes and the release commit.
        var notes = new GetReleaseNotes().Run(new ReleaseNotesRequest { Path = root, All = true }, context).ToList();
        var releases = notes.Where(n => !n.Note.IsUnreleased).Select(n => n.Note).ToList();
        var unreleased = request.Unreleased ? notes.FirstOrDefault(n => n.Note.IsUnreleased)?.Note : null;
        var links = notes.FirstOrDefault()?.Links;
        context.Log.Verbose($"{releases.Count} release(s) in the history; {(unreleased is null ? "Unreleased kept as written" : $"{unreleased.CommitCount} unreleased commit(s)")}");

        var exists = File.Exists(full);
        var content = exists ? TextFileContent.Read(full) : null;
        var text = content?.Text;
        if (text is null)
        {
            // A new file: one section per release, oldest inserted first so the newest ends on top.
            text = ChangelogDocument.NewFile();
            foreach (var note in Enumerable.Reverse(releases)) text = ChangelogDocument.Insert(text, note, links).Text;
        }
        var rebuild = ChangelogDocument.Rebuild(text, releases, unreleased, links);
        var bytes = content is null ? new UTF8Encoding(false).GetBytes(rebuild.Text) : content.Encode(rebuild.Text);
        var diff = TextDiff.Unified(content?.Text.Replace("\r\n", "\n", StringComparison.Ordinal), rebuild.Text.Replace("\r\n", "\n", StringComparison.Ordinal), relative);
        return new ChangelogPlan(full, relative, exists, rebuild.Text, bytes, rebuild, diff);
    }

    /// <summary>Writes the planned file through a temporary file and a rename.</summary>
    public static void Apply(ChangelogPlan plan)
    {
        var temp = plan.FullPath + $".{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, plan.NewBytes);
            File.Move(temp, plan.FullPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new X0Exception(ErrorIds.FileWriteFailed, X0ErrorCategory.WriteError, $"{plan.RelativePath} written", ex.Message,
                "Check the folder's permissions and free space, then run again", plan.FullPath, ex);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}

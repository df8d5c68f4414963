using System.Text;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Releasing;

/// <summary>Writes the release notes (computed during preflight) to NOTES.md in the release folder.</summary>
public sealed class NotesStep : ReleaseStep
{
    public const string FileName = "NOTES.md";

    public override string Name => "Notes";

    public override Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var path = Path.Combine(state.OutputDirectory, FileName);
        var notes = state.Notes?.Markdown ?? string.Empty;
        if (File.Exists(path) && File.ReadAllText(path) == notes)
        {
            return Task.FromResult(StepPlan.AlreadyDone($"{path} holds the notes ({state.Notes?.EntryCount} entries since {state.Notes?.PreviousTag ?? "the first commit"})"));
        }
        return Task.FromResult(StepPlan.Todo($"write {state.Notes?.EntryCount} note entries since {state.Notes?.PreviousTag ?? "the first commit"} to {path}",
            path, "Write the release notes"));
    }

    public override Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        Directory.CreateDirectory(state.OutputDirectory);
        var path = Path.Combine(state.OutputDirectory, FileName);
        // A temp name of its own: two runs of the same release in one folder must not write one file.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, state.Notes?.Markdown ?? string.Empty, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
        return Task.FromResult($"wrote {path}");
    }
}

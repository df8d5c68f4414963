using System.Text;
using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace X0tta6bl4.Core.Workflows;

/// <summary>A unified diff (as <c>git diff</c> prints it) between two texts, computed by DiffPlex.</summary>
public static class TextDiff
{
    /// <summary>The hunks with <paramref name="context"/> unchanged lines around each change; empty when the texts are equal.</summary>
    public static string Unified(string? before, string after, string label, int context = 2)
    {
        before ??= string.Empty;
        if (string.Equals(before, after, StringComparison.Ordinal)) return string.Empty;
        // A final newline ends the last line; it is not an empty line of its own.
        var model = new InlineDiffBuilder(new Differ()).BuildDiffModel(TrimFinalNewline(before), TrimFinalNewline(after), ignoreWhitespace: false);
        var lines = model.Lines;
        var sb = new StringBuilder();
        sb.Append("--- ").Append(before.Length == 0 ? "/dev/null" : "a/" + label).Append('\n');
        sb.Append("+++ b/").Append(label).Append('\n');
        var i = 0;
        while (i < lines.Count)
        {
            if (lines[i].Type == ChangeType.Unchanged)
            {
                i++;
                continue;
            }
            // A hunk: from `context` lines before this change to `context` lines after the last change close to it.
            var start = Math.Max(0, i - context);
            var end = i;
            while (end < lines.Count)
            {
                var next = end;
                while (next < lines.Count && lines[next].Type == ChangeType.Unchanged) next++;
                if (next >= lines.Count || next - end > 2 * context) break;
                end = next + 1;
            }
            end = Math.Min(lines.Count, end + context);
            var (oldStart, newStart) = Positions(lines, start);
            var oldCount = lines.Skip(start).Take(end - start).Count(l => l.Type != ChangeType.Inserted);
            var newCount = lines.Skip(start).Take(end - start).Count(l => l.Type != ChangeType.Deleted);
            // As git prints them: an empty side starts at the line before (0 for a new file).
            sb.Append($"@@ -{(oldCount == 0 ? oldStart - 1 : oldStart)},{oldCount} +{(newCount == 0 ? newStart - 1 : newStart)},{newCount} @@\n");
            for (var k = start; k < end; k++)
            {
                var prefix = lines[k].Type switch { ChangeType.Inserted => '+', ChangeType.Deleted => '-', _ => ' ' };
                sb.Append(prefix).Append(lines[k].Text).Append('\n');
            }
            i = end;
        }
        return sb.ToString();
    }

    private static string TrimFinalNewline(string text) => text.EndsWith('\n') ? text[..^1] : text;

    private static (int Old, int New) Positions(List<DiffPiece> lines, int index)
    {
        int o = 1, n = 1;
        for (var k = 0; k < index; k++)
        {
            if (lines[k].Type != ChangeType.Inserted) o++;
            if (lines[k].Type != ChangeType.Deleted) n++;
        }
        return (o, n);
    }
}

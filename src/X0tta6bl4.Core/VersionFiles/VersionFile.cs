using System.Text.RegularExpressions;
using Semver;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>One span of text that holds (part of) the version, and how to render it for a new version.</summary>
public sealed class VersionSite
{
    public VersionSite(int start, int length, string oldText, Func<SemVersion, string> render)
    {
        Start = start;
        Length = length;
        OldText = oldText;
        Render = render;
    }

    public int Start { get; }
    public int Length { get; }
    public string OldText { get; }
    public Func<SemVersion, string> Render { get; }
}

/// <summary>What a version file says: the version and the exact places it is written.</summary>
public sealed record VersionReading(SemVersion Version, string Written, IReadOnlyList<VersionSite> Sites);

/// <summary>
/// A file that carries the project version, with an anchor that finds exactly the version's bytes
/// (never a bare search for the version string, which would also hit <c>dep&gt;=1.2.3</c>).
/// </summary>
public abstract class VersionFile
{
    protected VersionFile(string path, string root)
    {
        FullPath = System.IO.Path.GetFullPath(path);
        RelativePath = System.IO.Path.GetRelativePath(root, FullPath).Replace('\\', '/');
    }

    public string FullPath { get; }
    /// <summary>Path relative to the repository root, with forward slashes (as git names it).</summary>
    public string RelativePath { get; }
    /// <summary>Where in the file, e.g. "[project].version" or "__version__".</summary>
    public abstract string Anchor { get; }
    public abstract VersionScheme Scheme { get; }
    /// <summary>Why this file holds the version: the configuration that lists it, or the layout it was detected by.</summary>
    public string Reason { get; set; } = "detected";
    /// <summary>Named by the build's own configuration (hatch path, setuptools attr:): it must hold the version, not merely may.</summary>
    public bool Required { get; set; }

    /// <summary>Finds the version; throws <see cref="ErrorIds.PatternNotFound"/> / <see cref="ErrorIds.PatternAmbiguous"/>.</summary>
    public abstract VersionReading Read(TextFileContent content);

    /// <summary>True when the file holds this kind of version at all (used by detection, never throws on content).</summary>
    public bool TryRead(TextFileContent content, out VersionReading? reading)
    {
        try
        {
            reading = Read(content);
            return true;
        }
        catch (X0Exception)
        {
            reading = null;
            return false;
        }
    }

    public override string ToString() => $"{RelativePath} ({Anchor})";

    protected X0Exception NotFound(string expected, string? hint = null) =>
        new(ErrorIds.PatternNotFound, X0ErrorCategory.InvalidData, expected,
            $"no match in {RelativePath}",
            hint ?? $"Fix {RelativePath} or the configured pattern; no file was changed", FullPath);

    protected X0Exception Ambiguous(string expected, int count, IEnumerable<int> lines) =>
        new(ErrorIds.PatternAmbiguous, X0ErrorCategory.InvalidData, expected,
            $"{count} matches in {RelativePath} (lines {string.Join(", ", lines)})",
            $"Make the pattern for {RelativePath} specific enough to match once, or set count = {count} if every one is the version", FullPath);

    protected SemVersion ParseIn(string text, VersionScheme scheme, int index, string fileText)
    {
        try
        {
            return VersionText.Parse(text, scheme);
        }
        catch (X0Exception ex)
        {
            throw new X0Exception(ErrorIds.InvalidVersion, X0ErrorCategory.InvalidData, ex.Expected,
                $"'{text}' in {RelativePath} line {TextLines.LineNumberAt(fileText, index)}",
                $"Correct the version in {RelativePath}", FullPath, ex);
        }
    }

    /// <summary>Runs an anchored regex whose group "v" is the version and demands exactly one match.</summary>
    protected VersionReading ReadSingle(string text, Regex anchor, string expected, int start = 0, int end = -1)
    {
        end = end < 0 ? text.Length : end;
        var matches = anchor.Matches(text[..end], start).Where(m => m.Index >= start).ToList();
        if (matches.Count == 0)
        {
            throw NotFound(expected);
        }
        if (matches.Count > 1)
        {
            throw Ambiguous(expected, matches.Count, matches.Select(m => TextLines.LineNumberAt(text, m.Index)));
        }
        var g = matches[0].Groups["v"];
        var version = ParseIn(g.Value, Scheme, g.Index, text);
        var scheme = Scheme;
        return new VersionReading(version, g.Value,
            new[] { new VersionSite(g.Index, g.Length, g.Value, v => VersionText.Format(v, scheme)) });
    }
}

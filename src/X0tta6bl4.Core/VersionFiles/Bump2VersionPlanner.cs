using System.Text;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.VersionFiles;

/// <summary>One file's new bytes under bump2version's rules, with the lines that changed.</summary>
public sealed record Bump2VersionEdit(string FullPath, string RelativePath, byte[] Original, byte[] Updated, IReadOnlyList<(int Line, string Before, string After)> Lines);

/// <summary>What a bump2version-style bump does: the versions as text, the message context, and every file's new bytes.</summary>
public sealed record Bump2VersionPlan(string CurrentText, string NewText, IReadOnlyList<Bump2VersionEdit> Edits,
    Func<string, string> RenderMessage);

/// <summary>
/// Computes a bump exactly as bump2version 1.0.1 does (and bump-my-version for its TOML keys), in memory and
/// before anything is written: the part bumped and the later parts reset by the part rules; the new version
/// serialized per file; each file checked for its search text (line by line, falling back to the bare
/// version when the search is the default) and then every occurrence replaced, or the bare version when the
/// search text is gone; files read with universal newlines and written back with their own; current_version
/// updated in the configuration. Deliberate differences are listed in the README.
/// </summary>
public static class Bump2VersionPlanner
{
    public static Bump2VersionPlan Plan(Bump2VersionSettings s, string root, string? part, string? explicitVersion, IX0Log log)
    {
        if (s.Refusals.Count > 0)
        {
            var (key, why) = s.Refusals[0];
            throw new X0Exception(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData,
                $"settings of {s.Description} that can be honoured exactly", $"'{key}': {why}" + (s.Refusals.Count > 1 ? $" (and {s.Refusals.Count - 1} more: {string.Join(", ", s.Refusals.Skip(1).Select(r => r.Key))})" : ""),
                $"Change {key} in {s.Description}; nothing was changed", s.ConfigPath);
        }
        var now = DateTime.Now;
        var utcNow = DateTime.UtcNow;
        var env = Environment.GetEnvironmentVariables();
        object? Context(string name) => name switch
        {
            "now" => now,
            "utcnow" => utcNow,
            "#" => "#",
            ";" => ";",
            _ when name.StartsWith('$') => env[name[1..]] as string,
            _ => null,
        };

        var current = s.Format.Parse(s.CurrentVersion) ?? throw Invalid(s, "parse", $"'{s.Format.ParsePattern}' does not match current_version '{s.CurrentVersion}'");
        PartVersion next;
        if (explicitVersion is not null)
        {
            next = s.Format.Parse(explicitVersion) ?? throw Invalid(s, "parse", $"'{s.Format.ParsePattern}' does not match the new version '{explicitVersion}'");
        }
        else
        {
            try
            {
                next = s.Format.Bump(current, part!);
            }
            catch (InvalidOperationException ex)
            {
                throw new X0Exception(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument,
                    $"a part of the version defined by parse in {s.Description}", ex.Message,
                    "Bump a part the parse expression names (-Major, -Minor, -Patch, or -Part <name>)", s.ConfigPath);
            }
        }
        var currentText = Serialize(s, current, null, Context);
        var newText = explicitVersion ?? Serialize(s, next, null, Context);
        if (newText == currentText)
        {
            throw new X0Exception(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument, $"a bump that changes {currentText}",
                $"{newText} again", "Bump another part, or pass -Version", s.ConfigPath);
        }

        var texts = new Dictionary<string, (TextFileContent Content, string Text, string Newline)>(StringComparer.Ordinal);
        var files = Expand(s, root);
        // Every file is checked before any is changed (bump2version's order, all-or-nothing here).
        var skipped = new HashSet<int>();
        for (var i = 0; i < files.Count; i++)
        {
            var (full, file) = files[i];
            if (!File.Exists(full))
            {
                if (file.IgnoreMissingFile) { skipped.Add(i); log.Warning($"{file.Path} does not exist; skipped as ignore_missing_file asks"); continue; }
                throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, $"the file configured in [{file.Section}]",
                    $"no file {file.Path}", $"Create it or remove it from {s.Description}; nothing was changed", full);
            }
            if (!texts.ContainsKey(full)) texts[full] = Load(full);
            var ctx = FileContext(s, file, current, next, Context);
            var search = Render(file.Search, ctx, s, file);
            if (file.IsRegex ? new Regex(PartVersionFormat.FromPython(search), RegexOptions.Multiline).IsMatch(texts[full].Text) : Contains(texts[full].Text, search)) continue;
            if (file.Search == Bump2VersionSettings.DefaultSearch && Contains(texts[full].Text, s.CurrentVersion)) continue;
            if (file.IgnoreMissingVersion) { skipped.Add(i); log.Warning($"{file.Path}: '{search}' not found; skipped as ignore_missing_version asks"); continue; }
            throw new X0Exception(ErrorIds.PatternNotFound, X0ErrorCategory.InvalidData, $"'{search}' in {file.Path} ([{file.Section}])",
                "no match", $"Fix {file.Path} or the search in {s.Description}; no file was changed", full);
        }
        var updated = texts.ToDictionary(kv => kv.Key, kv => kv.Value.Text, StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            if (skipped.Contains(i)) continue;
            var (full, file) = files[i];
            var ctx = FileContext(s, file, current, next, Context);
            var search = Render(file.Search, ctx, s, file);
            var replace = Render(file.Replace, ctx, s, file);
            var before = updated[full];
            var after = file.IsRegex
                ? new Regex(PartVersionFormat.FromPython(search), RegexOptions.Multiline).Replace(before, replace.Replace("$", "$$", StringComparison.Ordinal))
                : before.Replace(search, replace, StringComparison.Ordinal);
            if (after == before) after = before.Replace(s.CurrentVersion, replace, StringComparison.Ordinal);
            var occurrences = file.IsRegex ? 0 : CountOf(before, search);
            if (occurrences > 1) log.Verbose($"{file.Path}: {occurrences} occurrences of '{search}' replaced, as bump2version replaces every one");
            updated[full] = after;
        }
        // current_version moves along in the configuration itself.
        var configFull = Path.GetFullPath(s.ConfigPath);
        if (!texts.ContainsKey(configFull))
        {
            texts[configFull] = Load(configFull);
            updated[configFull] = texts[configFull].Text;
        }
        updated[configFull] = WithCurrentVersion(updated[configFull], s, currentText, newText);

        var edits = new List<Bump2VersionEdit>();
        foreach (var (full, (content, text, newline)) in texts)
        {
            if (updated[full] == text) continue;
            var bytes = content.Encode(newline == "\n" ? updated[full] : updated[full].Replace("\n", newline, StringComparison.Ordinal));
            edits.Add(new Bump2VersionEdit(full, Path.GetRelativePath(root, full).Replace('\\', '/'), content.Bytes, bytes, ChangedLines(text, updated[full])));
        }
        var messageContext = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["current_version"] = s.CurrentVersion,
            ["new_version"] = newText,
        };
        foreach (var (k, v) in current.Parts) messageContext["current_" + k] = v.Value;
        foreach (var (k, v) in next.Parts) messageContext["new_" + k] = v.Value;
        string RenderMessage(string template) => PythonFormat.Format(template, n => messageContext.TryGetValue(n, out var v) ? v : Context(n));
        return new Bump2VersionPlan(currentText, newText, edits, RenderMessage);
    }

    private static string Serialize(Bump2VersionSettings s, PartVersion version, IReadOnlyList<string>? serialize, Func<string, object?> context)
    {
        try
        {
            return s.Format.Format(version, serialize, context);
        }
        catch (MissingFormatKeyException ex)
        {
            throw Invalid(s, "serialize", $"the format asks for '{{{ex.Key}}}', which neither the parse nor the context supplies");
        }
    }

    private static Dictionary<string, string> FileContext(Bump2VersionSettings s, Bump2VersionFile file, PartVersion current, PartVersion next, Func<string, object?> context)
    {
        var format = file.Parse == s.Format.ParsePattern ? s.Format : new PartVersionFormat(file.Parse, file.Serialize, s.Format.Specs);
        string Text(PartVersion v)
        {
            try
            {
                return format.Format(v, file.Serialize, context);
            }
            catch (MissingFormatKeyException ex)
            {
                throw Invalid(s, $"[{file.Section}] serialize", $"the format asks for '{{{ex.Key}}}', which neither the parse nor the context supplies");
            }
        }
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["current_version"] = Text(current), ["new_version"] = Text(next) };
    }

    private static string Render(string template, Dictionary<string, string> values, Bump2VersionSettings s, Bump2VersionFile file)
    {
        try
        {
            var now = DateTime.Now;
            return PythonFormat.Format(template, n => values.TryGetValue(n, out var v) ? (file.IsRegex ? Regex.Escape(v) : v)
                : n switch { "now" => now, "utcnow" => DateTime.UtcNow, "#" => "#", ";" => ";", _ when n.StartsWith('$') => Environment.GetEnvironmentVariable(n[1..]), _ => null });
        }
        catch (MissingFormatKeyException ex)
        {
            throw Invalid(s, $"[{file.Section}] search/replace", $"'{{{ex.Key}}}' is not a value bump2version supplies (current_version, new_version, now, utcnow, $ENV)");
        }
    }

    /// <summary>bump2version's check: the search's first line inside a line, its last inside the line that many below, the middle lines equal.</summary>
    private static bool Contains(string text, string search)
    {
        if (search.Length == 0) return false;
        var wanted = search.Split('\n');
        var lines = text.Split('\n');
        for (var end = 0; end < lines.Length; end++)
        {
            var start = end - (wanted.Length - 1);
            if (start < 0) continue;
            if (!lines[start].Contains(wanted[0], StringComparison.Ordinal) || !lines[end].Contains(wanted[^1], StringComparison.Ordinal)) continue;
            var middle = true;
            for (var k = 1; k < wanted.Length - 1 && middle; k++) middle = lines[start + k] == wanted[k];
            if (middle) return true;
        }
        return false;
    }

    private static int CountOf(string text, string search)
    {
        var n = 0;
        for (var i = text.IndexOf(search, StringComparison.Ordinal); i >= 0 && search.Length > 0; i = text.IndexOf(search, i + search.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>The file as Python reads it in text mode: UTF-8, newlines as \n; the one newline style it had, to write back.</summary>
    private static (TextFileContent Content, string Text, string Newline) Load(string path)
    {
        var content = TextFileContent.Read(path);
        if (content.Encoding.WebName != "utf-8")
        {
            throw new X0Exception(ErrorIds.FileEncodingUnsupported, X0ErrorCategory.InvalidData, "a UTF-8 file (bump2version reads and writes UTF-8)",
                $"{content.EncodingName} in {path}", "Convert the file to UTF-8; nothing was changed", path);
        }
        var text = content.Text;
        var crlf = text.Contains("\r\n", StringComparison.Ordinal);
        var withoutCrlf = text.Replace("\r\n", "", StringComparison.Ordinal);
        var cr = withoutCrlf.Contains('\r');
        var lf = withoutCrlf.Contains('\n');
        if ((crlf ? 1 : 0) + (cr ? 1 : 0) + (lf ? 1 : 0) > 1)
        {
            // bump2version fails on such a file after writing the ones before it; refused up front here.
            throw new X0Exception(ErrorIds.FileEncodingUnsupported, X0ErrorCategory.InvalidData, "one kind of line ending per file",
                $"mixed line endings in {path}", "Normalize the line endings (git add --renormalize); nothing was changed", path);
        }
        var newline = crlf ? "\r\n" : cr ? "\r" : "\n";
        return (content, newline == "\n" ? text : text.Replace(newline, "\n", StringComparison.Ordinal), newline);
    }

    private static List<(string Full, Bump2VersionFile File)> Expand(Bump2VersionSettings s, string root)
    {
        var result = new List<(string, Bump2VersionFile)>();
        foreach (var file in s.Files)
        {
            if (!file.IsGlob)
            {
                result.Add((Path.GetFullPath(Path.Combine(root, file.Path)), file));
                continue;
            }
            var matches = Glob(root, file.Path);
            if (matches.Count == 0)
            {
                throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound, $"files matching [{file.Section}]",
                    $"none for {file.Path}", $"Fix the pattern in {s.Description}: a configured glob that matches nothing would leave files unbumped; nothing was changed", root);
            }
            result.AddRange(matches.Select(m => (m, file)));
        }
        return result;
    }

    /// <summary>Python's glob.glob(recursive=True): * and ? within a name (not matching a leading dot), ** across folders.</summary>
    internal static List<string> Glob(string root, string pattern)
    {
        var regex = new StringBuilder("^");
        var parts = pattern.Replace('\\', '/').Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            var last = i == parts.Length - 1;
            if (p == "**")
            {
                regex.Append(last ? "(?:[^/.][^/]*(?:/[^/.][^/]*)*)?" : "(?:[^/.][^/]*/)*");
                continue;
            }
            if (!p.StartsWith('.') && (p.StartsWith('*') || p.StartsWith('?') || p.StartsWith('['))) regex.Append("(?!\\.)");
            foreach (var c in p)
            {
                regex.Append(c switch { '*' => "[^/]*", '?' => "[^/]", '[' => "[", ']' => "]", _ => Regex.Escape(c.ToString()) });
            }
            if (!last) regex.Append('/');
        }
        regex.Append('$');
        var re = new Regex(regex.ToString(), RegexOptions.CultureInvariant);
        return Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(r => !r.StartsWith(".git/", StringComparison.Ordinal) && re.IsMatch(r))
            .Order(StringComparer.Ordinal)
            .Select(r => Path.GetFullPath(Path.Combine(root, r)))
            .ToList();
    }

    private static string WithCurrentVersion(string text, Bump2VersionSettings s, string currentText, string newText)
    {
        int start, end;
        if (s.IsToml)
        {
            (start, end) = s.Section.Length == 0 ? (0, text.Length) : PyprojectVersionFile.FindTable(text, s.Section);
        }
        else
        {
            (start, end) = LegacyConfigVersionFile.FindIniSection(text, s.Section);
        }
        var pattern = s.IsToml
            ? @"^[ \t]*current_version[ \t]*=[ \t]*(?<q>""|')(?<v>[^""'\n]*)\k<q>"
            : @"^current_version[ \t]*[=:][ \t]*(?<v>[^\n]*?)[ \t]*$";
        var m = start < 0 ? null : new Regex(pattern, RegexOptions.Multiline).Matches(text[..end], start).FirstOrDefault(x => x.Index >= start);
        if (m is null)
        {
            throw new X0Exception(ErrorIds.PatternNotFound, X0ErrorCategory.InvalidData, $"current_version in [{s.Section}] of {s.Description}", "none",
                $"Add current_version to {s.Description}; nothing was changed", s.ConfigPath);
        }
        var g = m.Groups["v"];
        // A configured file entry for the configuration itself may already have replaced it (bump2version replaces every occurrence).
        if (g.Value == newText) return text;
        return text[..g.Index] + newText + text[(g.Index + g.Length)..];
    }

    private static List<(int, string, string)> ChangedLines(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var result = new List<(int, string, string)>();
        if (a.Length == b.Length)
        {
            for (var i = 0; i < a.Length; i++) if (a[i] != b[i]) result.Add((i + 1, a[i], b[i]));
            return result;
        }
        var first = 0;
        while (first < a.Length && first < b.Length && a[first] == b[first]) first++;
        result.Add((first + 1, first < a.Length ? a[first] : "", first < b.Length ? b[first] : ""));
        return result;
    }

    private static X0Exception Invalid(Bump2VersionSettings s, string key, string found) =>
        new(ErrorIds.ConfigInvalid, X0ErrorCategory.InvalidData, $"{key} in {s.Description} that works for the version", found,
            $"Fix {key} in {s.Description}; nothing was changed", s.ConfigPath);
}

/// <summary>A file a bump2version configuration edits: its bytes come from <see cref="Bump2VersionPlanner"/>, not from an anchor.</summary>
public sealed class Bump2VersionTarget : VersionFile
{
    public Bump2VersionTarget(string path, string root) : base(path, root) => Reason = "configured in bump2version / bump-my-version";

    public override string Anchor => "bump2version search/replace";
    public override VersionScheme Scheme => VersionScheme.SemVer;

    public override VersionReading Read(TextFileContent content) =>
        throw new NotSupportedException("bump2version files are planned by Bump2VersionPlanner");
}

using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>A Dockerfile construct that needs a newer builder than some engines have.</summary>
public sealed record DockerfileFeature(int Line, string Name, string Text);

/// <summary>
/// Finds, before any build, Dockerfile syntax the engine's builder would reject with a bare parse error:
/// heredocs (RUN &lt;&lt;EOF, COPY &lt;&lt;EOF) and COPY --link need the Dockerfile 1.4 frontend, built into
/// Docker 23.0 and later (BuildKit 0.10); Docker 20.10 carries BuildKit 0.8, whose built-in frontend reads
/// the heredoc's lines as instructions ("unknown instruction: ECHO"). RUN --mount needs BuildKit at all.
/// A "# syntax=" line hands parsing to a frontend image the engine pulls, so nothing is refused then.
/// </summary>
public static partial class DockerfileFeatures
{
    /// <summary>The first engine major version whose built-in frontend parses heredocs and --link.</summary>
    public const int HeredocEngineMajor = 23;

    public static string? SyntaxDirective(string dockerfile)
    {
        foreach (var line in dockerfile.Replace("\r\n", "\n").Split('\n'))
        {
            var t = line.Trim();
            if (t.Length == 0) continue;
            var m = Directive().Match(t);
            if (!m.Success) return null;   // directives only come before the first instruction or comment
            if (m.Groups[1].Value.Equals("syntax", StringComparison.OrdinalIgnoreCase)) return m.Groups[2].Value.Trim();
        }
        return null;
    }

    public static IReadOnlyList<DockerfileFeature> Scan(string dockerfile)
    {
        var found = new List<DockerfileFeature>();
        var lines = dockerfile.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('#')) continue;
            if (Heredoc().IsMatch(line)) found.Add(new DockerfileFeature(i + 1, "heredoc", line));
            if (CopyLink().IsMatch(line)) found.Add(new DockerfileFeature(i + 1, "COPY --link", line));
            if (RunMount().IsMatch(line)) found.Add(new DockerfileFeature(i + 1, "RUN --mount", line));
        }
        return found;
    }

    /// <exception cref="X0Exception">X0.DockerfileSyntaxUnsupported naming the first line the builder cannot read.</exception>
    public static void Check(string dockerfile, string path, EngineInfo engine, ImageBuilder builder)
    {
        var syntax = SyntaxDirective(dockerfile);
        var features = Scan(dockerfile);
        if (builder == ImageBuilder.Classic)
        {
            if (features.FirstOrDefault() is { } f)
            {
                throw Unsupported(path, f, $"the classic builder ({engine.NoBuildKitReason}) cannot build {f.Name}",
                    "Build on an engine with BuildKit (Docker 18.09 or later on Linux), or rewrite the line without it");
            }
            if (syntax is not null)
            {
                throw Unsupported(path, new DockerfileFeature(1, "# syntax=", "# syntax=" + syntax),
                    $"the classic builder ({engine.NoBuildKitReason}) ignores '# syntax={syntax}'", "Build on an engine with BuildKit");
            }
            return;
        }
        if (syntax is not null || EngineMajor(engine) is not { } major || major >= HeredocEngineMajor) return;
        if (features.FirstOrDefault(x => x.Name is "heredoc" or "COPY --link") is { } newer)
        {
            throw Unsupported(path, newer,
                $"Docker {engine.ServerVersion}'s built-in Dockerfile frontend (BuildKit 0.8, Dockerfile syntax 1.2) cannot parse {newer.Name}; " +
                "it would fail with 'unknown instruction' on the next line",
                "Add '# syntax=docker/dockerfile:1' as the first line (the engine then pulls that frontend image), " +
                "upgrade the engine to Docker 23 or later, or write the content with COPY of a file or RUN printf");
        }
    }

    /// <summary>
    /// BuildKit 0.8 (Docker 20.10) overflows its stack — and takes the whole engine down — exporting an
    /// inline cache whose build graph forks and joins again, as a stage that copies from another stage
    /// does (moby/buildkit#1902, fixed in BuildKit 0.9, built into Docker 23).
    /// </summary>
    /// <exception cref="X0Exception">X0.DockerfileSyntaxUnsupported naming the COPY --from line.</exception>
    public static void CheckInlineCache(string dockerfile, string path, EngineInfo engine)
    {
        if (EngineMajor(engine) is not { } major || major >= HeredocEngineMajor) return;
        var lines = dockerfile.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!StageCopy().IsMatch(lines[i].Trim())) continue;
            throw Unsupported(path, new DockerfileFeature(i + 1, "COPY --from", lines[i].Trim()),
                $"an inline cache export of a multi-stage graph crashes Docker {engine.ServerVersion}'s BuildKit 0.8 (a stack overflow that stops the engine)",
                "Build without the inline cache (drop -InlineCache / inline_cache), or upgrade the engine to Docker 23 or later");
        }
    }

    private static int? EngineMajor(EngineInfo engine) =>
        int.TryParse(engine.ServerVersion.Split('.')[0], out var major) ? major : null;

    private static X0Exception Unsupported(string path, DockerfileFeature f, string why, string fix) =>
        new(ErrorIds.DockerfileSyntaxUnsupported, X0ErrorCategory.NotImplemented,
            $"Dockerfile syntax the engine's builder can read", $"{Path.GetFileName(path)} line {f.Line} ({f.Text}): {why}", fix, path);

    [GeneratedRegex(@"^#\s*([A-Za-z]+)\s*=\s*(.+)$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^(RUN|COPY|ADD)\b.*<<-?([""']?)[A-Za-z_][A-Za-z0-9_]*\2(\s|$)", RegexOptions.IgnoreCase)]
    private static partial Regex Heredoc();

    [GeneratedRegex(@"^(COPY|ADD)\s+(--\S+\s+)*--link(=true)?(\s|$)", RegexOptions.IgnoreCase)]
    private static partial Regex CopyLink();

    [GeneratedRegex(@"^(COPY|ADD|RUN)\s+(--\S+\s+)*--(from|mount=\S*from)=", RegexOptions.IgnoreCase)]
    private static partial Regex StageCopy();

    [GeneratedRegex(@"^RUN\s+(--\S+\s+)*--mount=", RegexOptions.IgnoreCase)]
    private static partial Regex RunMount();
}

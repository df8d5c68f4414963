using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Semver;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Processes;
using X0tta6bl4.Core.Testing.Tools;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Packages;

/// <summary>
/// Builds the sdist and wheel of the tagged commit with <c>python -m build</c> and the project's
/// interpreter. The source is an export of the commit (git archive), never the working tree, so the
/// package holds exactly what the tag holds and the tree is left untouched (no build/, no *.egg-info).
/// </summary>
public static class PythonPackageBuilder
{
    public static async Task<BuiltPackage> BuildAsync(string root, string commit, SemVersion version, string outputDirectory,
        IReadOnlyDictionary<string, string?> environment, bool isolated, X0Context context)
    {
        var ct = context.Cancellation;
        var notes = new List<string>();
        var name = PythonPackageChecks.CheckProject(root, version, notes);
        var pep = Pep440.FromSemVer(version);
        var locator = new ToolLocator(environment);
        var (python, probed) = await locator.FindPythonWith(root, "build", ct).ConfigureAwait(false);
        if (python is null)
        {
            throw new X0Exception(ErrorIds.ToolNotAvailable, X0ErrorCategory.NotInstalled,
                "a Python interpreter with the 'build' module (python -m build)",
                probed.Count == 0 ? "no Python interpreter" : $"none in {string.Join(", ", probed.Select(p => $"{p.Path} ({p.Origin})"))}",
                "pip install build (Debian/Ubuntu: apt-get install python3-build), or -Package to leave Python out", root);
        }

        var work = Path.Combine(Path.GetTempPath(), "x0-pybuild-" + Guid.NewGuid().ToString("N")[..10]);
        var source = Path.Combine(work, "src");
        var dist = Path.Combine(work, "dist");
        try
        {
            Directory.CreateDirectory(source);
            var git = new GitCli(root);
            var archive = Path.Combine(work, "source.tar");
            await git.RunAsync(new[] { "archive", "--format=tar", "-o", archive, commit }, ct).ConfigureAwait(false);
            await TarFile.ExtractToDirectoryAsync(archive, source, overwriteFiles: true, ct).ConfigureAwait(false);
            var epoch = (await git.RunAsync(new[] { "log", "-1", "--format=%ct", commit }, ct).ConfigureAwait(false)).StandardOutput.Trim();

            var args = new List<string> { "-m", "build", "--outdir", dist };
            if (!isolated) args.Add("--no-isolation");
            args.Add(source);
            context.Log.Verbose($"{python.Path} {string.Join(" ", args)}");
            var result = await ProcessRunner.RunAsync(new ProcessSpec(python.Path, args, source)
            {
                Environment = new Dictionary<string, string?>
                {
                    // Reproducible archives (same commit → same bytes), and the tag's version for setuptools-scm users.
                    ["SOURCE_DATE_EPOCH"] = epoch,
                    ["SETUPTOOLS_SCM_PRETEND_VERSION"] = pep,
                    ["PYTHONDONTWRITEBYTECODE"] = "1",
                },
            }, ct, line => context.Log.Debug(line)).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                var output = GitCli.Tail(result.StandardError + "\n" + result.StandardOutput, 8);
                var missingBackend = Regex.Match(output, @"Backend '([^']+)' is not available|No module named '([^']+)'");
                throw new X0Exception(ErrorIds.PackageBuildFailed, X0ErrorCategory.InvalidResult,
                    $"python -m build ({python.Path}) to build {name} {pep}", $"exit code {result.ExitCode}: {output}",
                    missingBackend.Success
                        ? $"Install the build backend into {python.Path} (it builds without network isolation): e.g. apt-get install python3-setuptools python3-hatchling, or pip install {(missingBackend.Groups[1].Success ? missingBackend.Groups[1].Value.Split('.')[0] : missingBackend.Groups[2].Value)}"
                        : "Run python -m build in the project to see the whole output, fix it, and release a new version", root);
            }
            var built = Directory.Exists(dist) ? Directory.GetFiles(dist) : Array.Empty<string>();
            var wheels = built.Where(f => f.EndsWith(".whl", StringComparison.OrdinalIgnoreCase)).ToList();
            var sdists = built.Where(f => f.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase)).ToList();
            if (wheels.Count == 0 || sdists.Count != 1)
            {
                throw new X0Exception(ErrorIds.PackageBuildFailed, X0ErrorCategory.InvalidResult, "one sdist and at least one wheel",
                    built.Length == 0 ? "no files" : string.Join(", ", built.Select(Path.GetFileName)), "Check the build backend's configuration", dist);
            }

            Directory.CreateDirectory(outputDirectory);
            var files = new List<PackageFile>();
            var epochTime = DateTimeOffset.FromUnixTimeSeconds(long.Parse(epoch, CultureInfo.InvariantCulture));
            foreach (var sdist in sdists)
            {
                ReproducibleArchive.NormalizeSdist(sdist, epochTime);
            }
            foreach (var file in sdists.Concat(wheels.OrderBy(w => w, StringComparer.Ordinal)))
            {
                var target = Path.Combine(outputDirectory, Path.GetFileName(file));
                File.Move(file, target, overwrite: true);
                files.Add(PackageFile.Of(target, target.EndsWith(".whl", StringComparison.OrdinalIgnoreCase) ? "wheel" : "sdist"));
            }
            return new BuiltPackage(PackageEcosystem.Python, name, pep, files) { Checks = notes };
        }
        finally
        {
            try
            {
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                context.Log.Debug($"Could not remove {work}");
            }
        }
    }

    /// <summary>
    /// Validation of built files: our checks always, and `twine check` when an interpreter has twine. Errors (what
    /// PyPI refuses, what twine check fails) stop; warnings (what twine check passes "with warnings") are returned
    /// and logged, and stop only under <paramref name="strict"/>, as twine check --strict does.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Notes, IReadOnlyList<string> Warnings)> ValidateAsync(string root, BuiltPackage package, SemVersion version,
        IReadOnlyDictionary<string, string?> environment, bool strict, PackagePurpose purpose, X0Context context)
    {
        var problems = new List<string>();
        var ours = new List<string>();
        var withoutDescription = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in package.Files)
        {
            var meta = PythonPackageChecks.CheckDistribution(file.Path, package.Name, version, problems, ours);
            if (meta.Description.Trim() is "" or "UNKNOWN") withoutDescription.Add(file.Name);
        }
        var notes = new List<string>();
        var warnings = ours;
        var (twine, _) = await new ToolLocator(environment).FindPythonWith(root, "twine", context.Cancellation).ConfigureAwait(false);
        if (twine is not null)
        {
            warnings = new List<string>();
            foreach (var file in package.Files)
            {
                // One file per run, by its bare name: twine's console wraps long paths at 80 columns whatever COLUMNS says.
                var r = await ProcessRunner.RunAsync(new ProcessSpec(twine.Path, ["-m", "twine", "check", file.Name], Path.GetDirectoryName(file.Path)!)
                {
                    Environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["TERM"] = "dumb" },
                }, context.Cancellation).ConfigureAwait(false);
                var text = Regex.Replace(r.StandardOutput + "\n" + r.StandardError, @"\x1b\[[0-9;?]*[A-Za-z]", string.Empty);
                // twine says what our warnings say, in its own words: keep one voice.
                var (twineErrors, twineWarnings) = TwineCheckOutput.Parse(text, withoutDescription, file.Name);
                warnings.AddRange(twineWarnings);
                problems.AddRange(twineErrors.Select(e => "twine check: " + e));
                // A failure with no finding to explain it (twine crashed, an unreadable file) is a problem of its own.
                if (!r.Succeeded && twineErrors.Count == 0 && twineWarnings.Count == 0) problems.Add($"twine check {file.Name}: " + GitCli.Tail(text, 6));
            }
            notes.Add(warnings.Count == 0 ? "twine check passed" : $"twine check passed with {warnings.Count} warning(s)");
        }
        else
        {
            notes.Add("twine not installed: built-in checks only");
        }
        var afterFix = purpose == PackagePurpose.Build
            ? "Fix the project metadata (pyproject.toml) and build again"
            : "Fix the project metadata (pyproject.toml), commit, and release a new version; nothing was uploaded";
        if (problems.Count > 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData,
                $"{package.Name} {package.Version} files that PyPI accepts", string.Join("; ", problems), afterFix, package.Files[0].Path);
        }
        if (strict && warnings.Count > 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData,
                $"{package.Name} {package.Version} files without warnings (strict checks, as twine check --strict)", string.Join("; ", warnings),
                afterFix + " (or check without -Strict / packages.strict to accept warnings)", package.Files[0].Path);
        }
        foreach (var w in warnings) context.Log.Warning($"{package.Name} {package.Version}: {w}");
        return (notes, warnings);
    }
}

/// <summary>
/// What twine check printed, per file: "Checking dist/x.whl: PASSED with warnings" followed by "WARNING  ..." lines,
/// or "FAILED" with "ERROR    ..." lines (a message may continue on indented lines).
/// </summary>
public static partial class TwineCheckOutput
{
    [GeneratedRegex(@"^(?<level>WARNING|ERROR)\s+(?<text>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Finding();

    [GeneratedRegex(@"^Checking (?<file>.+?):", RegexOptions.CultureInvariant)]
    private static partial Regex Checking();

    /// <param name="withoutDescription">
    /// Files whose long description is empty: twine 4 reports those as "No content rendered from RST source", an
    /// error, while the index accepts them and twine itself calls the same gap a warning for an sdist
    /// ("`long_description` missing"); for these files that finding is the warning it means.
    /// </param>
    /// <param name="checkedFile">The file checked, when twine was given one (its "Checking" line may be wrapped).</param>
    public static (IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings) Parse(string output, IReadOnlySet<string>? withoutDescription = null, string? checkedFile = null)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var file = checkedFile;
        List<string>? last = null;
        foreach (var raw in output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (Checking().Match(line) is { Success: true } c)
            {
                file = checkedFile ?? Path.GetFileName(c.Groups["file"].Value.Trim());
                last = null;
                continue;
            }
            if (Finding().Match(line.TrimStart()) is { Success: true } m)
            {
                last = m.Groups["level"].Value == "ERROR" ? errors : warnings;
                last.Add((file is null ? string.Empty : file + ": ") + m.Groups["text"].Value.Trim());
            }
            else if (last is not null && raw.StartsWith("  ", StringComparison.Ordinal) && line.Trim().Length > 0)
            {
                last[^1] += " " + line.Trim();
            }
            else
            {
                last = null;
            }
        }
        if (withoutDescription is { Count: > 0 })
        {
            foreach (var e in errors.ToList())
            {
                var name = e.Split(": ", 2)[0];
                if (withoutDescription.Contains(name) && e.Contains("No content rendered from RST source", StringComparison.Ordinal))
                {
                    errors.Remove(e);
                    warnings.Add($"{name}: `long_description` missing (an empty description, which twine 4 reports as unrenderable reStructuredText; the index accepts it)");
                }
            }
        }
        return (errors, warnings);
    }
}

/// <summary>
/// Makes an sdist byte-for-byte reproducible: setuptools stamps the gzip header and the files it
/// generates (PKG-INFO, *.egg-info) with the build time, so two builds of one commit differ — and PyPI
/// then refuses the second as "filename reused", and a re-run in a fresh CI job could never resume.
/// The archive is rewritten with the same entries and bytes, every time set to the commit's time,
/// owners cleared, and a gzip header without a timestamp.
/// </summary>
public static class ReproducibleArchive
{
    public static void NormalizeSdist(string path, DateTimeOffset time)
    {
        var temp = path + ".reproducible";
        using (var input = File.OpenRead(path))
        using (var gunzip = new GZipStream(input, CompressionMode.Decompress))
        using (var reader = new TarReader(gunzip))
        using (var output = File.Create(temp))
        {
            using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            using (var writer = new TarWriter(gzip, leaveOpen: true))
            {
                while (reader.GetNextEntry(copyData: true) is { } entry)
                {
                    if (entry.EntryType is TarEntryType.ExtendedAttributes or TarEntryType.GlobalExtendedAttributes) continue;
                    var type = entry.EntryType switch
                    {
                        TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => TarEntryType.RegularFile,
                        var t => t,
                    };
                    var stamp = time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                    // PAX with explicit times: no "now" sneaks into atime/ctime, and long names survive.
                    var copy = new PaxTarEntry(type, entry.Name, new Dictionary<string, string>
                    {
                        ["mtime"] = stamp,
                        ["atime"] = stamp,
                        ["ctime"] = stamp,
                    })
                    {
                        Mode = entry.Mode,
                        Uid = 0,
                        Gid = 0,
                        UserName = string.Empty,
                        GroupName = string.Empty,
                        ModificationTime = time,
                    };
                    if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink) copy.LinkName = entry.LinkName;
                    if (entry.DataStream is not null) copy.DataStream = entry.DataStream;
                    writer.WriteEntry(copy);
                }
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Makes a nupkg reproducible: NuGet's packer stamps entries with the pack time and gives the
    /// core-properties part a random name and the relationships random ids. Rewritten with the same
    /// content in a fixed order, every time set to the commit's, and names and ids derived from the nuspec.
    /// </summary>
    public static void NormalizeNupkg(string path, DateTimeOffset time)
    {
        var entries = new List<(string Name, byte[] Bytes)>();
        using (var zip = ZipFile.OpenRead(path))
        {
            foreach (var e in zip.Entries.Where(e => !e.FullName.EndsWith('/')))
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                entries.Add((e.FullName, ms.ToArray()));
            }
        }
        var nuspec = entries.FirstOrDefault(e => !e.Name.Contains('/') && e.Name.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        if (nuspec.Name is null) return;
        var seed = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(nuspec.Bytes)).ToLowerInvariant();
        const string CorePrefix = "package/services/metadata/core-properties/";
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var core in entries.Where(e => e.Name.StartsWith(CorePrefix, StringComparison.Ordinal) && e.Name.EndsWith(".psmdcp", StringComparison.Ordinal)).ToList())
        {
            renames[core.Name] = CorePrefix + seed[..32] + ".psmdcp";
        }
        for (var i = 0; i < entries.Count; i++)
        {
            var (name, bytes) = entries[i];
            if (renames.TryGetValue(name, out var renamed)) entries[i] = (renamed, bytes);
            if (name == "_rels/.rels")
            {
                var text = System.Text.Encoding.UTF8.GetString(bytes);
                foreach (var (from, to) in renames) text = text.Replace("/" + from, "/" + to, StringComparison.Ordinal);
                text = Regex.Replace(text, "Target=\"(?<t>[^\"]+)\"(?<mid>[^>]*?)Id=\"R[0-9A-Fa-f]+\"", m =>
                    $"Target=\"{m.Groups["t"].Value}\"{m.Groups["mid"].Value}Id=\"R{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed + m.Groups["t"].Value)))[..16]}\"");
                entries[i] = (name, System.Text.Encoding.UTF8.GetBytes(text));
            }
            if (name == "[Content_Types].xml")
            {
                // The packer lists extensions in file-enumeration order: sort them.
                var text = System.Text.Encoding.UTF8.GetString(bytes);
                var items = Regex.Matches(text, @"<(Default|Override)\b[^>]*/>").ToList();
                if (items.Count > 1)
                {
                    var between = text[(items[0].Index + items[0].Length)..items[1].Index];
                    var sorted = string.Join(between, items.Select(m => m.Value).OrderBy(v => v, StringComparer.Ordinal));
                    text = text[..items[0].Index] + sorted + text[(items[^1].Index + items[^1].Length)..];
                    entries[i] = (name, System.Text.Encoding.UTF8.GetBytes(text));
                }
            }
        }
        static int Rank(string n) => n == "_rels/.rels" ? 0 : !n.Contains('/') && n.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) ? 1
            : n == "[Content_Types].xml" ? 4 : n.StartsWith("package/", StringComparison.Ordinal) ? 3 : 2;
        var temp = path + ".reproducible";
        using (var output = File.Create(temp))
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create))
        {
            var stamp = new DateTimeOffset(time.UtcDateTime.Year < 1980 ? new DateTime(1980, 1, 1) : time.UtcDateTime, TimeSpan.Zero);
            foreach (var (name, bytes) in entries.OrderBy(e => Rank(e.Name)).ThenBy(e => e.Name, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = stamp;
                using var s = entry.Open();
                s.Write(bytes);
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>
/// A PowerShell module packed the way the Gallery expects: PSResourceGet's Publish-PSResource in a child
/// pwsh, into a private temp repository (its repository list redirected, so the user's is untouched).
/// </summary>
public static class PowerShellModulePackager
{
    /// <summary>
    /// The module folder to pack: configured <c>[tool.x0tta6bl4.packages] module_path</c> ("{version}"
    /// expands), else a staged build out/&lt;Name&gt;/&lt;version&gt;/&lt;Name&gt;.psd1, else &lt;Name&gt;/&lt;Name&gt;.psd1 or src/&lt;Name&gt;/&lt;Name&gt;.psd1.
    /// </summary>
    public static string? FindModule(X0Config config, SemVersion version)
    {
        var root = config.Root;
        var settings = ConfigLoader.Table(config.Settings, "packages");
        var plain = $"{version.Major}.{version.Minor}.{version.Patch}";
        if (ConfigLoader.Str(settings, "module_path") is { } configured)
        {
            var path = Path.GetFullPath(Path.Combine(root, configured.Replace("{version}", plain, StringComparison.Ordinal)));
            return Directory.Exists(path) ? path : throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound,
                $"the module folder module_path = '{configured}'", $"no folder {path}", "Build the module first (e.g. ./build.ps1 Build)", path);
        }
        var candidates = new List<string>();
        var outDir = Path.Combine(root, "out");
        if (Directory.Exists(outDir))
        {
            candidates.AddRange(Directory.GetDirectories(outDir).Select(d => Path.Combine(d, plain, Path.GetFileName(d) + ".psd1")));
        }
        foreach (var parent in new[] { root, Path.Combine(root, "src") })
        {
            if (Directory.Exists(parent)) candidates.AddRange(Directory.GetDirectories(parent).Select(d => Path.Combine(d, Path.GetFileName(d) + ".psd1")));
        }
        return candidates.Where(File.Exists).Select(Path.GetDirectoryName).FirstOrDefault();
    }

    /// <summary>The Gallery's manifest requirements, checked before packing: Author, Description, version and Prerelease equal to the tag's.</summary>
    public static (string Name, string Version) CheckManifest(string moduleFolder, SemVersion tagVersion)
    {
        var name = Path.GetFileName(moduleFolder.TrimEnd(Path.DirectorySeparatorChar));
        if (Version.TryParse(name, out _)) name = Path.GetFileName(Path.GetDirectoryName(moduleFolder.TrimEnd(Path.DirectorySeparatorChar))!);
        var manifest = Path.Combine(moduleFolder, name + ".psd1");
        if (!File.Exists(manifest))
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound, $"the module manifest {name}.psd1 in {moduleFolder}", "none",
                "Point module_path at the built module folder", moduleFolder);
        }
        var text = File.ReadAllText(manifest);
        var problems = new List<string>();
        foreach (var key in new[] { "Author", "Description" })
        {
            var m = Regex.Match(text, $@"^[ \t]*{key}[ \t]*=[ \t]*(?<q>['""])(?<v>[^'""\r\n]*)\k<q>", RegexOptions.Multiline | RegexOptions.IgnoreCase);
            if (!m.Success || m.Groups["v"].Value.Trim().Length == 0) problems.Add($"{key} is missing or empty (the Gallery requires it)");
        }
        SemVersion? moduleVersion = null;
        try
        {
            moduleVersion = new PowerShellManifestVersionFile(manifest, moduleFolder).Read(TextFileContent.Read(manifest)).Version;
        }
        catch (X0Exception ex)
        {
            problems.Add(ex.Found);
        }
        if (moduleVersion is not null && moduleVersion.WithoutMetadata() != tagVersion.WithoutMetadata())
        {
            problems.Add($"ModuleVersion/Prerelease say {moduleVersion}, the tag says {tagVersion}");
        }
        if (tagVersion.IsPrerelease && tagVersion.PrereleaseIdentifiers.Count > 2)
        {
            problems.Add($"pre-release '{tagVersion.Prerelease}' cannot be written as the Gallery's letters-and-digits Prerelease");
        }
        if (problems.Count > 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData, $"a module manifest the PowerShell Gallery accepts for {tagVersion}",
                string.Join("; ", problems), "Fix the manifest (Step-X0Version keeps ModuleVersion and Prerelease in step), rebuild the module and publish again", manifest);
        }
        var gallery = $"{tagVersion.Major}.{tagVersion.Minor}.{tagVersion.Patch}" + (tagVersion.IsPrerelease ? "-" + string.Concat(tagVersion.PrereleaseIdentifiers.Select(i => i.Value)) : string.Empty);
        return (name, gallery);
    }

    private const string PackScript = """
        param([string] $Module, [string] $Out)
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        Import-Module Microsoft.PowerShell.PSResourceGet
        $name = 'x0-pack-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        Register-PSResourceRepository -Name $name -Uri $Out -Trusted
        try {
            Publish-PSResource -Path $Module -Repository $name -SkipDependenciesCheck
        } finally {
            Unregister-PSResourceRepository -Name $name -ErrorAction SilentlyContinue
        }
        """;

    public static async Task<BuiltPackage> PackAsync(string moduleFolder, SemVersion tagVersion, string outputDirectory, IReadOnlyList<string>? powerShell,
        DateTimeOffset commitTime, X0Context context)
    {
        var (name, version) = CheckManifest(moduleFolder, tagVersion);
        var host = powerShell is { Count: > 0 } ? powerShell : (ProcessRunner.FindOnPath("pwsh") is { } pwsh ? new[] { pwsh } : null);
        if (host is null)
        {
            throw new X0Exception(ErrorIds.ToolNotAvailable, X0ErrorCategory.NotInstalled, "pwsh (PowerShell 7.4+) to pack the module with PSResourceGet",
                "no pwsh on PATH", "Install PowerShell 7.4 or later", moduleFolder);
        }
        var work = Path.Combine(Path.GetTempPath(), "x0-pspack-" + Guid.NewGuid().ToString("N")[..10]);
        var feed = Path.Combine(work, "feed");
        var xdg = Path.Combine(work, "xdg");
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(xdg);
        try
        {
            var script = Path.Combine(work, "pack.ps1");
            await File.WriteAllTextAsync(script, PackScript, context.Cancellation).ConfigureAwait(false);
            var args = host.Skip(1).Concat(new[] { "-NoProfile", "-NonInteractive", "-File", script, "-Module", moduleFolder, "-Out", feed }).ToList();
            var r = await ProcessRunner.RunAsync(new ProcessSpec(host[0], args, work)
            {
                // PSResourceGet keeps its repository list under XDG_DATA_HOME: a private one for this process.
                Environment = new Dictionary<string, string?> { ["XDG_DATA_HOME"] = xdg, ["NO_COLOR"] = "1" },
            }, context.Cancellation).ConfigureAwait(false);
            var nupkg = Directory.GetFiles(feed, "*.nupkg").FirstOrDefault();
            if (!r.Succeeded || nupkg is null)
            {
                throw new X0Exception(ErrorIds.PackageBuildFailed, X0ErrorCategory.InvalidResult, $"Publish-PSResource to pack {name} {version}",
                    $"exit code {r.ExitCode}: {GitCli.Tail(r.StandardError + "\n" + r.StandardOutput, 6)}",
                    "Run Publish-PSResource -Path <module> against a local repository to see the whole message", moduleFolder);
            }
            var (id, packed) = NuGetPackageReader.IdAndVersion(nupkg);
            if (!id.Equals(name, StringComparison.OrdinalIgnoreCase) || !NuGetPackageReader.SameVersion(packed, version))
            {
                throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData, $"a package {name} {version}", $"{id} {packed}",
                    "Check the module manifest", nupkg);
            }
            ReproducibleArchive.NormalizeNupkg(nupkg, commitTime);
            Directory.CreateDirectory(outputDirectory);
            var target = Path.Combine(outputDirectory, Path.GetFileName(nupkg));
            File.Move(nupkg, target, overwrite: true);
            return new BuiltPackage(PackageEcosystem.PowerShell, id, packed, new[] { PackageFile.Of(target, "nupkg") })
            {
                Checks = new[] { "manifest: Author, Description, ModuleVersion/Prerelease match the tag" },
            };
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                context.Log.Debug($"Could not remove {work}");
            }
        }
    }
}

/// <summary>.NET packages: <c>dotnet pack</c> of the configured projects (or the solution) with the tag's version.</summary>
public static class DotNetPackager
{
    /// <summary>Projects from <c>[tool.x0tta6bl4.packages] dotnet_projects</c>, else the one solution at the root.</summary>
    public static IReadOnlyList<string> FindProjects(X0Config config)
    {
        var settings = ConfigLoader.Table(config.Settings, "packages");
        if (settings is not null && settings.TryGetValue("dotnet_projects", out var raw) && raw is Tomlyn.Model.TomlArray list)
        {
            return list.OfType<string>().Select(p => Path.GetFullPath(Path.Combine(config.Root, p))).ToList();
        }
        var solutions = Directory.GetFiles(config.Root, "*.sln").Concat(Directory.GetFiles(config.Root, "*.slnx")).ToList();
        if (solutions.Count == 1) return solutions;
        return Directory.GetFiles(config.Root, "*.csproj");
    }

    public static async Task<IReadOnlyList<BuiltPackage>> PackAsync(IReadOnlyList<string> projects, SemVersion version, string outputDirectory,
        DateTimeOffset commitTime, X0Context context)
    {
        var dotnet = ProcessRunner.FindOnPath("dotnet") ?? throw new X0Exception(ErrorIds.ToolNotAvailable, X0ErrorCategory.NotInstalled,
            "the dotnet CLI", "none on PATH", "Install the .NET SDK", "dotnet");
        if (projects.Count == 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound, "a solution or project to pack", "none at the project root",
                "Set [tool.x0tta6bl4.packages] dotnet_projects = [\"src/Foo/Foo.csproj\"]", outputDirectory);
        }
        var work = Path.Combine(Path.GetTempPath(), "x0-dotnetpack-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            foreach (var project in projects)
            {
                var args = new List<string> { "pack", project, "-c", "Release", "-o", work, "--nologo", $"-p:Version={version}", "-p:ContinuousIntegrationBuild=true" };
                var r = await ProcessRunner.RunAsync(new ProcessSpec(dotnet, args, Path.GetDirectoryName(project)!)
                {
                    Environment = new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
                }, context.Cancellation).ConfigureAwait(false);
                if (!r.Succeeded)
                {
                    throw new X0Exception(ErrorIds.PackageBuildFailed, X0ErrorCategory.InvalidResult, $"dotnet pack {Path.GetFileName(project)} with version {version}",
                        $"exit code {r.ExitCode}: {GitCli.Tail(r.StandardOutput + "\n" + r.StandardError, 6)}", "Run the same dotnet pack to see the whole output", project);
                }
            }
            var packages = new List<BuiltPackage>();
            Directory.CreateDirectory(outputDirectory);
            foreach (var nupkg in Directory.GetFiles(work, "*.nupkg").Where(f => !f.EndsWith(".symbols.nupkg", StringComparison.OrdinalIgnoreCase)).OrderBy(f => f, StringComparer.Ordinal))
            {
                var (id, packed) = NuGetPackageReader.IdAndVersion(nupkg);
                if (!NuGetPackageReader.SameVersion(packed, version.ToString()))
                {
                    throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData, $"{id} packed as {version}", packed,
                        "Remove a hard-coded <PackageVersion> from the project", nupkg);
                }
                ReproducibleArchive.NormalizeNupkg(nupkg, commitTime);
                var target = Path.Combine(outputDirectory, Path.GetFileName(nupkg));
                File.Move(nupkg, target, overwrite: true);
                packages.Add(new BuiltPackage(PackageEcosystem.DotNet, id, packed, new[] { PackageFile.Of(target, "nupkg") }));
            }
            if (packages.Count == 0)
            {
                throw new X0Exception(ErrorIds.PackageBuildFailed, X0ErrorCategory.InvalidResult, "at least one nupkg", "dotnet pack produced none (IsPackable=false everywhere?)",
                    "Set IsPackable=true on the library projects", outputDirectory);
            }
            return packages;
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }
}

/// <summary>Reads what a nupkg says about itself.</summary>
public static class NuGetPackageReader
{
    public static (string Id, string Version) IdAndVersion(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entry = zip.Entries.FirstOrDefault(e => !e.FullName.Contains('/') && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase))
            ?? throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData, "a .nuspec at the root of the package", "none", "Repack the package", nupkg);
        using var stream = entry.Open();
        var meta = XDocument.Load(stream).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
        string Get(string n) => meta?.Elements().FirstOrDefault(e => e.Name.LocalName == n)?.Value.Trim() ?? string.Empty;
        return (Get("id"), Get("version"));
    }

    /// <summary>NuGet compares normalized versions case-insensitively, without build metadata.</summary>
    public static bool SameVersion(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.OrdinalIgnoreCase);

    public static string Normalize(string version)
    {
        var v = version.Split('+')[0];
        var dash = v.IndexOf('-');
        var release = dash < 0 ? v : v[..dash];
        var pre = dash < 0 ? string.Empty : v[dash..];
        var parts = release.Split('.').Select(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n.ToString(CultureInfo.InvariantCulture) : p).ToList();
        while (parts.Count < 3) parts.Add("0");
        if (parts.Count == 4 && parts[3] == "0") parts.RemoveAt(3);
        return string.Join('.', parts) + pre;
    }
}

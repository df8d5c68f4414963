using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Semver;
using Tomlyn.Model;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Packages;

/// <summary>Core metadata of a built distribution (METADATA in a wheel, PKG-INFO in an sdist): headers plus the long description.</summary>
public sealed class CoreMetadata
{
    private readonly List<(string Key, string Value)> _headers;

    private CoreMetadata(List<(string, string)> headers, string description)
    {
        _headers = headers;
        Description = description;
    }

    public string Description { get; }
    public IReadOnlyList<(string Key, string Value)> Headers => _headers;

    public string? this[string key] => _headers.FirstOrDefault(h => h.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> All(string key) => _headers.Where(h => h.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    /// <summary>RFC 822 style: "Key: value" lines (continuations indented), a blank line, then the description body.</summary>
    public static CoreMetadata Parse(string text)
    {
        var headers = new List<(string, string)>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var i = 0;
        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0) break;
            if ((line[0] == ' ' || line[0] == '\t') && headers.Count > 0)
            {
                var (k, v) = headers[^1];
                headers[^1] = (k, v + "\n" + line.Trim());
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        var body = i + 1 < lines.Length ? string.Join("\n", lines.Skip(i + 1)) : string.Empty;
        var description = headers.FirstOrDefault(h => h.Item1.Equals("Description", StringComparison.OrdinalIgnoreCase)).Item2;
        return new CoreMetadata(headers, string.IsNullOrEmpty(body) ? description ?? string.Empty : body);
    }

    /// <summary>Reads METADATA from a wheel or PKG-INFO from an sdist (.tar.gz).</summary>
    public static CoreMetadata Read(string path)
    {
        if (path.EndsWith(".whl", StringComparison.OrdinalIgnoreCase))
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.Entries.FirstOrDefault(e => Regex.IsMatch(e.FullName, @"^[^/]+\.dist-info/METADATA$"))
                ?? throw Invalid(path, "a *.dist-info/METADATA file in the wheel", "none");
            using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
            return Parse(reader.ReadToEnd());
        }
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } e)
        {
            if (Regex.IsMatch(e.Name, @"^[^/]+/PKG-INFO$") && e.DataStream is not null)
            {
                using var reader = new StreamReader(e.DataStream, Encoding.UTF8);
                return Parse(reader.ReadToEnd());
            }
        }
        throw Invalid(path, "<name>-<version>/PKG-INFO in the sdist", "none");
    }

    private static X0Exception Invalid(string path, string expected, string found) =>
        new(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData, expected, found, "Rebuild with a current build backend (python -m build)", path);
}

/// <summary>
/// What PyPI would reject, found before anything is uploaded: from pyproject.toml (read-only, runs under
/// -WhatIf) and from the built files themselves (the checks of `twine check` plus the index's own:
/// normalized name, version equal to the tag's under PEP 440, required metadata, README content type).
/// </summary>
public static class PythonPackageChecks
{
    public static readonly string[] ContentTypes = { "text/plain", "text/x-rst", "text/markdown" };
    private static readonly Regex ValidName = new("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>PEP 503 normalization: lowercase, runs of -_. become one dash.</summary>
    public static string NormalizeName(string name) => Regex.Replace(name, "[-_.]+", "-").ToLowerInvariant();

    /// <summary>The [project] table of pyproject.toml, or null when the project has none (setup.py only).</summary>
    public static TomlTable? ProjectTable(string root)
    {
        var path = Path.Combine(root, "pyproject.toml");
        return File.Exists(path) ? ConfigLoader.Table(ConfigLoader.ParseToml(path), "project") : null;
    }

    /// <summary>
    /// Static checks of [project] against the tag's version. Returns the project name; throws with every
    /// problem at once (expected / found / fix), so one run shows the whole list.
    /// </summary>
    public static string CheckProject(string root, SemVersion tagVersion, List<string> notes)
    {
        var project = ProjectTable(root) ?? throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData,
            "a [project] table in pyproject.toml (PEP 621) to build a Python package from", "none",
            "Declare name, version, description and readme under [project], or pass -Package to choose what to build", Path.Combine(root, "pyproject.toml"));
        var problems = new List<string>();
        var name = ConfigLoader.Str(project, "name");
        if (string.IsNullOrWhiteSpace(name)) problems.Add("[project] name is missing");
        else if (!ValidName.IsMatch(name)) problems.Add($"name '{name}' is not a valid distribution name (letters, digits and . _ - inside)");
        var dynamic = project.TryGetValue("dynamic", out var d) && d is TomlArray arr ? arr.OfType<string>().ToList() : new List<string>();
        var pep = Pep440.FromSemVer(tagVersion);
        if (ConfigLoader.Str(project, "version") is { } version)
        {
            if (!Pep440.TryToSemVer(version, out var parsed, out var problem)) problems.Add(problem!);
            else if (Pep440.FromSemVer(parsed!) != pep) problems.Add($"version {version} is not the tag's version {pep}");
        }
        else if (!dynamic.Contains("version"))
        {
            problems.Add("[project] has no version and does not list it under dynamic");
        }
        if (ConfigLoader.Str(project, "description") is { } summary && (summary.Contains('\n') || summary.Length > 512))
        {
            problems.Add("description (the summary PyPI shows) must be one line of at most 512 characters");
        }
        if (project.TryGetValue("classifiers", out var c) && c is TomlArray classifiers && classifiers.OfType<string>().Any(x => x.StartsWith("Private ::", StringComparison.Ordinal)))
        {
            problems.Add("a 'Private ::' classifier tells PyPI to refuse the upload");
        }
        // The README and its content type: PyPI renders it and refuses what it cannot render.
        switch (project.TryGetValue("readme", out var readme) ? readme : null)
        {
            case null:
                notes.Add("no readme: PyPI will show an empty project description");
                break;
            case string file:
                if (!File.Exists(Path.Combine(root, file))) problems.Add($"readme '{file}' does not exist");
                else if (ContentTypeFor(file) is null) problems.Add($"readme '{file}' has no extension PyPI understands (.md, .rst, .txt): use readme = {{ file = \"{file}\", content-type = \"text/markdown\" }}");
                else notes.Add($"readme {file} ({ContentTypeFor(file)})");
                break;
            case TomlTable table:
                var type = ConfigLoader.Str(table, "content-type");
                var rfile = ConfigLoader.Str(table, "file");
                if (type is null) problems.Add("readme table without content-type");
                else if (!ContentTypes.Contains(type.Split(';')[0].Trim(), StringComparer.OrdinalIgnoreCase)) problems.Add($"readme content-type '{type}' is not one of {string.Join(", ", ContentTypes)}");
                if (rfile is not null && !File.Exists(Path.Combine(root, rfile))) problems.Add($"readme file '{rfile}' does not exist");
                break;
        }
        if (problems.Count > 0)
        {
            throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.InvalidData,
                "pyproject.toml [project] metadata that PyPI accepts", string.Join("; ", problems),
                "Fix pyproject.toml, commit, and release a new version (the tag's files are what gets built)", Path.Combine(root, "pyproject.toml"));
        }
        return name!;
    }

    public static string? ContentTypeFor(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".md" or ".markdown" => "text/markdown",
        ".rst" => "text/x-rst",
        ".txt" => "text/plain",
        _ => null,
    };

    /// <summary>The checks of a built file: what twine check and PyPI's upload endpoint would refuse.</summary>
    /// <param name="warnings">What twine check warns about and PyPI accepts (used when twine itself is not there to say it).</param>
    public static CoreMetadata CheckDistribution(string path, string projectName, SemVersion tagVersion, List<string> problems, List<string>? warnings = null)
    {
        var file = Path.GetFileName(path);
        CoreMetadata meta;
        try
        {
            meta = CoreMetadata.Read(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException)
        {
            problems.Add($"{file}: unreadable ({ex.Message})");
            return CoreMetadata.Parse(string.Empty);
        }
        var prefix = $"{file}: ";
        foreach (var required in new[] { "Metadata-Version", "Name", "Version" })
        {
            if (string.IsNullOrWhiteSpace(meta[required])) problems.Add(prefix + $"required field {required} is missing");
        }
        var name = meta["Name"] ?? string.Empty;
        if (name.Length > 0 && NormalizeName(name) != NormalizeName(projectName))
        {
            problems.Add(prefix + $"Name '{name}' is not the project's '{projectName}'");
        }
        var pep = Pep440.FromSemVer(tagVersion);
        if (meta["Version"] is { Length: > 0 } v && (!Pep440.TryToSemVer(v, out var parsed, out _) || Pep440.FromSemVer(parsed!) != pep))
        {
            problems.Add(prefix + $"Version {v} is not the tag's version {pep} (PEP 440)");
        }
        // File name: <normalized name with underscores>-<version>[-tags].whl / .tar.gz.
        var stem = file.EndsWith(".whl", StringComparison.OrdinalIgnoreCase) ? file[..^4] : file.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ? file[..^7] : null;
        if (stem is null)
        {
            problems.Add(prefix + "not a .whl or .tar.gz (PyPI accepts only those)");
        }
        else
        {
            var parts = file.EndsWith(".whl", StringComparison.OrdinalIgnoreCase) ? stem.Split('-') : new[] { stem[..Math.Max(0, stem.LastIndexOf('-'))], stem[(stem.LastIndexOf('-') + 1)..] };
            if (parts.Length < 2 || NormalizeName(parts[0]) != NormalizeName(projectName)
                || !Pep440.TryToSemVer(parts[1], out var fileVersion, out _) || Pep440.FromSemVer(fileVersion!) != pep)
            {
                problems.Add(prefix + $"the file name does not start with {Regex.Replace(NormalizeName(projectName), "-", "_")}-{pep}");
            }
        }
        var summary = meta["Summary"];
        if (summary is not null && (summary.Contains('\n') || summary.Length > 512)) problems.Add(prefix + "Summary must be one line of at most 512 characters");
        var contentType = meta["Description-Content-Type"];
        if (contentType is not null && !ContentTypes.Contains(contentType.Split(';')[0].Trim(), StringComparer.OrdinalIgnoreCase))
        {
            problems.Add(prefix + $"Description-Content-Type '{contentType}' is not one PyPI renders ({string.Join(", ", ContentTypes)})");
        }
        var description = meta.Description.Trim();
        if (description.Length == 0 || description == "UNKNOWN")
        {
            // twine check: "`long_description` missing." PyPI accepts it and shows an empty project description.
            warnings?.Add(prefix + "no long description (PyPI shows an empty project page): set readme in [project]");
        }
        else if (contentType is null)
        {
            // twine check warns and PyPI renders the text as reStructuredText (refusing it only when that fails).
            warnings?.Add(prefix + "the long description has no Description-Content-Type (PyPI renders it as reStructuredText): set readme with a .md/.rst/.txt file or a content-type");
        }
        if (meta.All("Classifier").Any(x => x.StartsWith("Private ::", StringComparison.Ordinal))) problems.Add(prefix + "a 'Private ::' classifier makes PyPI refuse the upload");
        return meta;
    }
}

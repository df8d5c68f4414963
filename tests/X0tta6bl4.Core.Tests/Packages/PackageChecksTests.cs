using System.IO.Compression;
using System.Text;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Packages;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Packages;

public class PythonPackageChecksTests
{
    private static readonly Semver.SemVersion V330 = VersionText.ParseSemVer("3.3.0");

    private static string Pyproject(string project) => "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\n" + project + "\n";

    [Theory]
    [InlineData("Mape_K.Core", "mape-k-core")]
    [InlineData("x0tta6bl4", "x0tta6bl4")]
    [InlineData("a__b--c..d", "a-b-c-d")]
    public void Normalizes_names_as_PEP_503(string name, string normalized) =>
        Assert.Equal(normalized, PythonPackageChecks.NormalizeName(name));

    [Fact]
    public void A_sound_project_passes_and_names_the_readme_type()
    {
        using var dir = new TempDirectory("pycheck");
        dir.Write("pyproject.toml", Pyproject("name = \"x0tta6bl4\"\nversion = \"3.3.0\"\ndescription = \"one line\"\nreadme = \"README.md\""));
        dir.Write("README.md", "# hi\n");
        var notes = new List<string>();
        Assert.Equal("x0tta6bl4", PythonPackageChecks.CheckProject(dir.Root, V330, notes));
        Assert.Contains(notes, n => n.Contains("text/markdown", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_PyPI_would_refuse_is_listed_at_once()
    {
        using var dir = new TempDirectory("pycheck");
        dir.Write("pyproject.toml", Pyproject("name = \"-bad name\"\nversion = \"3.2.0\"\ndescription = \"two\\nlines\"\nreadme = \"README.adoc\"\nclassifiers = [\"Private :: Do Not Upload\"]"));
        dir.Write("README.adoc", "= hi\n");
        var ex = Assert.Throws<X0Exception>(() => PythonPackageChecks.CheckProject(dir.Root, V330, new List<string>()));
        Assert.Equal(ErrorIds.PackageInvalid, ex.ErrorId);
        Assert.Contains("not a valid distribution name", ex.Found, StringComparison.Ordinal);
        Assert.Contains("version 3.2.0 is not the tag's version 3.3.0", ex.Found, StringComparison.Ordinal);
        Assert.Contains("one line", ex.Found, StringComparison.Ordinal);
        Assert.Contains("README.adoc", ex.Found, StringComparison.Ordinal);
        Assert.Contains("Private ::", ex.Found, StringComparison.Ordinal);
        Assert.StartsWith("Expected pyproject.toml [project] metadata that PyPI accepts, but found", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pre_release_tag_matches_the_PEP_440_spelling_in_pyproject()
    {
        using var dir = new TempDirectory("pycheck");
        dir.Write("pyproject.toml", Pyproject("name = \"x\"\nversion = \"1.2.0rc1\""));
        Assert.Equal("x", PythonPackageChecks.CheckProject(dir.Root, VersionText.ParseSemVer("1.2.0-rc.1"), new List<string>()));
    }

    [Fact]
    public void A_readme_table_needs_a_content_type_PyPI_renders()
    {
        using var dir = new TempDirectory("pycheck");
        dir.Write("pyproject.toml", Pyproject("name = \"x\"\nversion = \"3.3.0\"\nreadme = { file = \"README\", content-type = \"text/asciidoc\" }"));
        dir.Write("README", "x");
        var ex = Assert.Throws<X0Exception>(() => PythonPackageChecks.CheckProject(dir.Root, V330, new List<string>()));
        Assert.Contains("text/asciidoc", ex.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dynamic_version_is_left_to_the_built_files()
    {
        using var dir = new TempDirectory("pycheck");
        dir.Write("pyproject.toml", Pyproject("name = \"x\"\ndynamic = [\"version\"]"));
        Assert.Equal("x", PythonPackageChecks.CheckProject(dir.Root, V330, new List<string>()));
    }

    private static string Wheel(TempDirectory dir, string fileName, string metadata)
    {
        var path = dir.PathOf(fileName);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var stem = string.Join('-', fileName.Split('-').Take(2));
        using (var w = new StreamWriter(zip.CreateEntry($"{stem}.dist-info/METADATA").Open(), new UTF8Encoding(false))) w.Write(metadata);
        return path;
    }

    [Fact]
    public void Built_files_are_checked_like_twine_check_and_the_index()
    {
        using var dir = new TempDirectory("wheel");
        var good = Wheel(dir, "x0tta6bl4-3.3.0-py3-none-any.whl",
            "Metadata-Version: 2.1\nName: x0tta6bl4\nVersion: 3.3.0\nSummary: one line\nDescription-Content-Type: text/markdown\nRequires-Dist: pytest>=7; extra == \"dev\"\n\n# Body\n");
        var problems = new List<string>();
        var meta = PythonPackageChecks.CheckDistribution(good, "x0tta6bl4", V330, problems);
        Assert.Empty(problems);
        Assert.Equal("# Body\n", meta.Description);
        Assert.Equal("pytest>=7; extra == \"dev\"", Assert.Single(meta.All("Requires-Dist")));

        var bad = Wheel(dir, "other-3.2.0-py3-none-any.whl", "Metadata-Version: 2.1\nName: other\nVersion: 3.2.0\nDescription-Content-Type: text/asciidoc\n\nbody\n");
        PythonPackageChecks.CheckDistribution(bad, "x0tta6bl4", V330, problems);
        Assert.Contains(problems, p => p.Contains("Name 'other' is not the project's", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Version 3.2.0 is not the tag's version 3.3.0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("does not start with x0tta6bl4-3.3.0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("text/asciidoc", StringComparison.Ordinal));

        // What twine check passes "with warnings" and PyPI accepts is a warning, not a problem.
        problems.Clear();
        var warnings = new List<string>();
        var untyped = Wheel(dir, "x0tta6bl4-3.3.0-py2-none-any.whl", "Metadata-Version: 2.1\nName: x0tta6bl4\nVersion: 3.3.0\n\nA long description\n");
        PythonPackageChecks.CheckDistribution(untyped, "x0tta6bl4", V330, problems, warnings);
        Assert.Empty(problems);
        Assert.Contains(warnings, w => w.Contains("no Description-Content-Type", StringComparison.Ordinal));
        var empty = Wheel(dir, "x0tta6bl4-3.3.0-py3-none-win32.whl", "Metadata-Version: 2.1\nName: x0tta6bl4\nVersion: 3.3.0\n\n");
        PythonPackageChecks.CheckDistribution(empty, "x0tta6bl4", V330, problems, warnings);
        Assert.Empty(problems);
        Assert.Contains(warnings, w => w.Contains("no long description", StringComparison.Ordinal));
    }

    [Fact]
    public void Twine_check_output_keeps_its_severities_per_file()
    {
        // As twine 4.0.2 prints it (rich wraps at 80 columns; continuation lines are indented).
        const string output = """
            Checking dist/nodesc-1.0.0-py3-none-any.whl: FAILED
            ERROR    `long_description` has syntax errors in markup and would not be
                     rendered on PyPI.
                     No content rendered from RST source.
            WARNING  `long_description_content_type` missing. defaulting to `text/x-rst`.
            Checking dist/nodesc-1.0.0.tar.gz: PASSED with warnings
            WARNING  `long_description_content_type` missing. defaulting to `text/x-rst`.
            WARNING  `long_description` missing.
            Checking dist/other-1.0.0.tar.gz: FAILED
            ERROR    `long_description` has syntax errors in markup and would not be
                     rendered on PyPI.
                     line 3: Warning: Inline literal start-string without end-string.
            """;
        var (errors, warnings) = TwineCheckOutput.Parse(output, new HashSet<string> { "nodesc-1.0.0-py3-none-any.whl", "nodesc-1.0.0.tar.gz" });
        var error = Assert.Single(errors);
        Assert.StartsWith("other-1.0.0.tar.gz: `long_description` has syntax errors in markup and would not be rendered on PyPI. line 3:", error);
        Assert.Equal(4, warnings.Count);
        Assert.Contains("nodesc-1.0.0-py3-none-any.whl: `long_description` missing (an empty description", warnings[3]);
        Assert.Equal("nodesc-1.0.0.tar.gz: `long_description` missing.", warnings[2]);
    }

    [Fact]
    public void Core_metadata_keeps_continuation_lines_and_repeated_headers()
    {
        var meta = CoreMetadata.Parse("Metadata-Version: 2.1\nName: a\nLicense: MIT\n        and more\nClassifier: A\nClassifier: B\n\nbody");
        Assert.Equal("MIT\nand more", meta["License"]);
        Assert.Equal(new[] { "A", "B" }, meta.All("Classifier"));
        Assert.Equal("body", meta.Description);
    }
}

public class PackageIndexTests
{
    private static X0Config Config(string root, string toml = "")
    {
        File.WriteAllText(Path.Combine(root, "pyproject.toml"), "[project]\nname = \"x\"\nversion = \"1.0.0\"\n" + toml);
        return ConfigLoader.Load(root);
    }

    [Fact]
    public void The_index_comes_from_the_parameter_config_TWINE_REPOSITORY_URL_then_PyPI()
    {
        using var dir = new TempDirectory("index");
        var empty = new Dictionary<string, string?>();
        var pypi = PyPIIndex.Resolve(null, Config(dir.Root), empty);
        Assert.Equal("https://upload.pypi.org/legacy/", pypi.UploadUrl.ToString());
        Assert.Equal("https://pypi.org/", pypi.IndexBase.ToString());
        Assert.Equal("https://test.pypi.org/", PyPIIndex.Resolve("testpypi", Config(dir.Root), empty).IndexBase.ToString());

        var twine = new Dictionary<string, string?> { ["TWINE_REPOSITORY_URL"] = "http://127.0.0.1:9/legacy" };
        var fromEnv = PyPIIndex.Resolve(null, Config(dir.Root), twine);
        Assert.Equal("http://127.0.0.1:9/legacy/", fromEnv.UploadUrl.ToString());
        Assert.Equal("http://127.0.0.1:9/", fromEnv.IndexBase.ToString());

        var configured = Config(dir.Root, "\n[tool.x0tta6bl4.pypi]\nrepository = \"corp\"\n[tool.x0tta6bl4.pypi.repositories]\ncorp = \"https://pypi.corp.example/simple-upload/legacy/\"\n");
        Assert.Empty(configured.Warnings);
        var corp = PyPIIndex.Resolve(null, configured, twine);
        Assert.Equal("https://pypi.corp.example/simple-upload/legacy/", corp.UploadUrl.ToString());
        Assert.Equal("https://pypi.corp.example/simple-upload/", corp.IndexBase.ToString());

        var ex = Assert.Throws<X0Exception>(() => PyPIIndex.Resolve("nosuch", Config(dir.Root), empty));
        Assert.Equal(ErrorIds.PackageRepositoryUnknown, ex.ErrorId);
    }

    [Fact]
    public void Credentials_come_from_the_parameter_then_PYPI_API_TOKEN_then_TWINE_and_are_registered_as_secrets()
    {
        var env = new Dictionary<string, string?> { ["PYPI_API_TOKEN"] = "pypi-fromenv-1234\n", ["TWINE_USERNAME"] = "alice", ["TWINE_PASSWORD"] = "twine-secret-1234" };
        var fromParameter = PyPICredential.Resolve(new PackageReleaseOptions { PyPIToken = "pypi-param-1234" }, env)!;
        Assert.Equal(("__token__", "pypi-param-1234"), (fromParameter.User, fromParameter.Password));
        var fromEnv = PyPICredential.Resolve(new PackageReleaseOptions(), env)!;
        Assert.Equal("pypi-fromenv-1234", fromEnv.Password);
        Assert.Equal("PYPI_API_TOKEN", fromEnv.Source);
        Assert.True(SecretRedactor.IsRegistered("pypi-fromenv-1234"));
        env.Remove("PYPI_API_TOKEN");
        var fromTwine = PyPICredential.Resolve(new PackageReleaseOptions(), env)!;
        Assert.Equal(("alice", "twine-secret-1234"), (fromTwine.User, fromTwine.Password));
        Assert.DoesNotContain("secret", fromTwine.ToString(), StringComparison.Ordinal);
        Assert.Null(PyPICredential.Resolve(new PackageReleaseOptions(), new Dictionary<string, string?>()));
    }

    [Fact]
    public void Jwt_claims_are_read_without_the_signature()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var jwt = B64("{\"alg\":\"RS256\"}") + "." + B64("{\"repository\":\"o/r\",\"job_workflow_ref\":\"o/r/.github/workflows/release.yml@refs/tags/v1\",\"exp\":5}") + ".sig";
        var claims = PyPIClient.Claims(jwt);
        Assert.Equal("o/r", claims["repository"]);
        Assert.Equal("5", claims["exp"]);
        Assert.Empty(PyPIClient.Claims("garbage"));
    }

    [Theory]
    [InlineData("PSGallery", null, null, "https://www.powershellgallery.com/api/v2/")]
    [InlineData("nuget.org", null, "https://api.nuget.org/v3/index.json", null)]
    [InlineData("http://127.0.0.1:5/v3/index.json", null, "http://127.0.0.1:5/v3/index.json", null)]
    [InlineData("https://feed.example/api/v2", null, null, "https://feed.example/api/v2/")]
    public void Feeds_resolve_by_name_and_url(string spec, string? folder, string? index, string? v2)
    {
        var feed = NuGetFeed.Resolve(spec, "/tmp");
        Assert.Equal(folder, feed.Folder);
        Assert.Equal(index, feed.ServiceIndex?.ToString());
        Assert.Equal(v2, feed.V2Base?.ToString());
    }

    [Fact]
    public void A_folder_feed_is_a_path_relative_to_the_project()
    {
        var feed = NuGetFeed.Resolve("feed", "/tmp/project");
        Assert.Equal(Path.GetFullPath("/tmp/project/feed"), feed.Folder);
    }

    private static byte[] Nupkg(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open());
                w.Write(text);
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public void The_same_package_is_recognised_through_a_repository_signature_but_other_content_is_not()
    {
        var ours = Nupkg(("a.nuspec", "<package/>"), ("lib/a.dll", "code"));
        var signed = Nupkg(("lib/a.dll", "code"), ("a.nuspec", "<package/>"), (".signature.p7s", "sig"));
        var other = Nupkg(("a.nuspec", "<package/>"), ("lib/a.dll", "other code"));
        Assert.True(NuGetFeedClient.SameContent(ours, ours));
        Assert.True(NuGetFeedClient.SameContent(ours, signed));
        Assert.False(NuGetFeedClient.SameContent(ours, other));
        Assert.False(NuGetFeedClient.SameContent(ours, Encoding.UTF8.GetBytes("not a zip")));
    }

    [Theory]
    [InlineData("1.0", "1.0.0")]
    [InlineData("01.2.3.0", "1.2.3")]
    [InlineData("1.2.3-rc1+build", "1.2.3-rc1")]
    public void NuGet_versions_normalize(string raw, string normalized) => Assert.Equal(normalized, NuGetPackageReader.Normalize(raw));
}

public class ModuleManifestChecksTests
{
    private static string Module(TempDirectory dir, string body)
    {
        var folder = dir.PathOf("out/Greeter/1.2.0");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "Greeter.psd1"), body);
        return folder;
    }

    [Fact]
    public void A_manifest_the_Gallery_accepts_gives_its_name_and_Gallery_version()
    {
        using var dir = new TempDirectory("manifest");
        var folder = Module(dir, "@{\n    ModuleVersion = '1.2.0'\n    Author = 'me'\n    Description = 'greets'\n    PrivateData = @{ PSData = @{\n        Prerelease = 'rc1'\n    } }\n}\n");
        var (name, version) = PowerShellModulePackager.CheckManifest(folder, VersionText.ParseSemVer("1.2.0-rc.1"));
        Assert.Equal("Greeter", name);
        Assert.Equal("1.2.0-rc1", version);
    }

    [Fact]
    public void Missing_Author_and_Description_and_another_version_are_all_named()
    {
        using var dir = new TempDirectory("manifest");
        var folder = Module(dir, "@{\n    ModuleVersion = '1.1.0'\n    Author = ''\n}\n");
        var ex = Assert.Throws<X0Exception>(() => PowerShellModulePackager.CheckManifest(folder, VersionText.ParseSemVer("1.2.0")));
        Assert.Equal(ErrorIds.PackageInvalid, ex.ErrorId);
        Assert.Contains("Author is missing", ex.Found, StringComparison.Ordinal);
        Assert.Contains("Description is missing", ex.Found, StringComparison.Ordinal);
        Assert.Contains("say 1.1.0, the tag says 1.2.0", ex.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void The_staged_build_under_out_is_found_for_the_tag_version()
    {
        using var dir = new TempDirectory("manifest");
        Module(dir, "@{ ModuleVersion = '1.2.0' }");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Equal(dir.PathOf("out/Greeter/1.2.0"), PowerShellModulePackager.FindModule(config, VersionText.ParseSemVer("1.2.0")));
        Assert.Null(PowerShellModulePackager.FindModule(config, VersionText.ParseSemVer("1.3.0")));
    }
}

public class ReproducibleArchiveTests
{
    private static void Sdist(string path, DateTimeOffset time, string longName)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new System.Formats.Tar.TarWriter(gzip);
        foreach (var (name, text) in new[] { ("x-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n"), ($"x-1.0/{longName}", "print(1)\n") })
        {
            var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name)
            {
                ModificationTime = time,
                Uid = 1000,
                UserName = "builder",
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
            };
            writer.WriteEntry(entry);
        }
    }

    [Fact]
    public void Two_builds_at_different_times_become_the_same_bytes_with_the_same_content()
    {
        using var dir = new TempDirectory("repro");
        var longName = "src/" + new string('m', 120) + ".py";
        var a = dir.PathOf("a.tar.gz");
        var b = dir.PathOf("b.tar.gz");
        Sdist(a, DateTimeOffset.UtcNow.AddHours(-3), longName);
        Sdist(b, DateTimeOffset.UtcNow, longName);
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(b));
        var commit = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        ReproducibleArchive.NormalizeSdist(a, commit);
        ReproducibleArchive.NormalizeSdist(b, commit);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));

        using var gz = new GZipStream(File.OpenRead(a), CompressionMode.Decompress);
        using var reader = new System.Formats.Tar.TarReader(gz);
        var names = new List<string>();
        while (reader.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
            Assert.Equal(commit, e.ModificationTime);
            Assert.Equal(0, e.Uid);
        }
        Assert.Equal(new[] { "x-1.0/PKG-INFO", $"x-1.0/{longName}" }, names);
        Assert.Equal("x", CoreMetadata.Read(a)["Name"]);
    }
}

public class ReproducibleNupkgTests
{
    private static string Pack(TempDirectory dir, string name, string coreId, string relsIds, DateTimeOffset time, bool reversed)
    {
        var path = dir.PathOf(name);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        var core = $"package/services/metadata/core-properties/{coreId}.psmdcp";
        var parts = new List<(string, string)>
        {
            ("_rels/.rels", $"<Relationships><Relationship Type=\"m\" Target=\"/Greeter.nuspec\" Id=\"R{relsIds}1\" /><Relationship Type=\"c\" Target=\"/{core}\" Id=\"R{relsIds}2\" /></Relationships>"),
            ("Greeter.nuspec", "<package><metadata><id>Greeter</id><version>1.2.0</version></metadata></package>"),
            ("Greeter.psm1", "function Get-Greeting { 'hi' }"),
            ("en-US/about_Greeter.help.txt", "help"),
            (core, "<coreProperties/>"),
            ("[Content_Types].xml", "<Types/>"),
        };
        if (reversed) parts.Reverse();
        foreach (var (entryName, text) in parts)
        {
            var e = zip.CreateEntry(entryName);
            e.LastWriteTime = time;
            using var w = new StreamWriter(e.Open());
            w.Write(text);
        }
        return path;
    }

    [Fact]
    public void Two_packs_of_the_same_module_become_the_same_bytes_and_compare_as_the_same_package()
    {
        using var dir = new TempDirectory("nupkg");
        var a = Pack(dir, "a.nupkg", "0123456789abcdef0123456789abcdef", "AAAA", DateTimeOffset.UtcNow.AddDays(-1), reversed: false);
        var b = Pack(dir, "b.nupkg", "fedcba9876543210fedcba9876543210", "BBBB", DateTimeOffset.UtcNow, reversed: true);
        Assert.True(NuGetFeedClient.SameContent(File.ReadAllBytes(a), File.ReadAllBytes(b)), "the bookkeeping parts do not count");
        var commit = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        ReproducibleArchive.NormalizeNupkg(a, commit);
        ReproducibleArchive.NormalizeNupkg(b, commit);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        using var zip = ZipFile.OpenRead(a);
        Assert.Equal("_rels/.rels", zip.Entries[0].FullName);
        Assert.Equal("Greeter.nuspec", zip.Entries[1].FullName);
        Assert.Equal("[Content_Types].xml", zip.Entries[^1].FullName);
        var core = Assert.Single(zip.Entries, e => e.FullName.EndsWith(".psmdcp", StringComparison.Ordinal)).FullName;
        using var rels = new StreamReader(zip.GetEntry("_rels/.rels")!.Open());
        Assert.Contains("/" + core, rels.ReadToEnd(), StringComparison.Ordinal);
        Assert.Equal(NuGetPackageReader.IdAndVersion(a), ("Greeter", "1.2.0"));
    }
}

using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Config;

public class ConfigLoaderTests
{
    private const string Pyproject = "[project]\nname = \"x\"\nversion = \"1.2.3\"\n";

    [Fact]
    public void Own_file_wins_over_the_pyproject_table_which_wins_over_legacy()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write(".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ntag_name = bv-{new_version}\nmessage = legacy {new_version}\ntag = False\n");
        dir.Write("pyproject.toml", Pyproject + "\n[tool.x0tta6bl4]\ntag_format = \"py-{version}\"\ncommit_message = \"py {version}\"\n");

        var fromPyproject = ConfigLoader.Load(dir.Root);
        Assert.Equal("py-{version}", fromPyproject.TagFormat);
        Assert.Equal("py {version}", fromPyproject.CommitMessage);
        Assert.False(fromPyproject.Tag);                       // only legacy says it: honoured
        Assert.Equal(new[] { "pyproject.toml [tool.x0tta6bl4]", ".bumpversion.cfg" }, fromPyproject.Sources);

        dir.Write("x0tta6bl4.toml", "tag_format = \"rel-{version}\"\ntag = true\n");
        var fromOwn = ConfigLoader.Load(dir.Root);
        Assert.Equal("rel-{version}", fromOwn.TagFormat);
        Assert.True(fromOwn.Tag);
        Assert.Equal("legacy {new_version}", fromOwn.CommitMessage);  // the pyproject table is ignored as a whole
        Assert.Equal("x0tta6bl4.toml", fromOwn.Sources[0]);
        Assert.Contains(fromOwn.Warnings, w => w.Contains("x0tta6bl4.toml is used", StringComparison.Ordinal));
    }

    [Fact]
    public void Bumpversion_cfg_file_sections_with_multi_line_search_and_replace()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write(".bumpversion.cfg",
            "[bumpversion]\r\ncurrent_version = 1.2.3\r\ncommit = True\r\ntag = True\r\ntag_name = release-{new_version}\r\n" +
            "message = Bump: {current_version} -> {new_version}\r\n\r\n" +
            "[bumpversion:file:setup.py]\r\n\r\n" +
            "[bumpversion:file(changelog):docs/conf.py]\r\nsearch = project = \"x\"\r\n  release = \"{current_version}\"\r\n  # a comment line, dropped as configparser does\r\nreplace = project = \"x\"\r\n  release = \"{new_version}\"\r\n");
        var config = ConfigLoader.Load(dir.Root);

        Assert.Equal("release-{new_version}", config.TagFormat);
        Assert.Equal("Bump: {current_version} -> {new_version}", config.CommitMessage);
        Assert.True(config.Commit);
        Assert.Equal("1.2.3", config.LegacyCurrentVersion);
        Assert.False(config.DetectVersionFiles);
        Assert.Equal(2, config.VersionFiles.Count);
        Assert.Equal("setup.py", config.VersionFiles[0].Path);
        Assert.True(config.VersionFiles[0].PreferDetectedAnchor);
        Assert.Equal("docs/conf.py", config.VersionFiles[1].Path);
        Assert.Equal("project = \"x\"\nrelease = \"{current_version}\"", config.VersionFiles[1].Search);
        Assert.Equal("project = \"x\"\nrelease = \"{new_version}\"", config.VersionFiles[1].Replace);
        Assert.Equal((Path.Combine(dir.Root, ".bumpversion.cfg"), "bumpversion", false), config.LegacyVersionHolder);
    }

    [Fact]
    public void Setup_cfg_bumpversion_section()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("setup.cfg", "[metadata]\nname = x\n\n[bumpversion]\ncurrent_version = 0.4.0\ncommit = False\n\n[bumpversion:file:src/x/__init__.py]\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Equal("setup.cfg [bumpversion]", config.Sources.Single());
        Assert.False(config.Commit);
        Assert.Equal("src/x/__init__.py", config.VersionFiles.Single().Path);
        Assert.Equal("0.4.0", config.LegacyCurrentVersion);
    }

    [Fact]
    public void Legacy_config_without_commit_or_tag_keeps_bump2versions_defaults()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write(".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.0.0\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.False(config.Commit);
        Assert.False(config.Tag);

        using var own = new TempDirectory("cfg");
        own.Write("x0tta6bl4.toml", "tag_format = \"v{version}\"\n");
        Assert.True(ConfigLoader.Load(own.Root).Commit);
    }

    [Fact]
    public void Bumpversion_toml_with_files_array()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write(".bumpversion.toml",
            "[tool.bumpversion]\ncurrent_version = \"2.0.0\"\ncommit = true\ntag = false\ntag_name = \"v{new_version}\"\nsearch = \"{current_version}\"\n\n" +
            "[[tool.bumpversion.files]]\nfilename = \"VERSION\"\n\n[[tool.bumpversion.files]]\nfilename = \"README.md\"\nsearch = \"tool=={current_version}\"\nreplace = \"tool=={new_version}\"\nregex = false\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Equal(".bumpversion.toml", config.Sources.Single());
        Assert.False(config.Tag);
        Assert.Equal(new[] { "VERSION", "README.md" }, config.VersionFiles.Select(f => f.Path));
        Assert.Equal("tool=={current_version}", config.VersionFiles[1].Search);
        Assert.Equal("2.0.0", config.LegacyCurrentVersion);
        Assert.Equal("tool.bumpversion", config.LegacyVersionHolder!.Value.Section);
    }

    [Fact]
    public void Pyproject_tool_bumpversion_with_table_array_and_inline_files()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("pyproject.toml", Pyproject +
            "\n[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nmessage = \"Bump {new_version}\"\n\n[[tool.bumpversion.files]]\nfilename = \"src/x/__init__.py\"\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Equal("pyproject.toml [tool.bumpversion]", config.Sources.Single());
        Assert.Equal("Bump {new_version}", config.CommitMessage);
        Assert.Equal("src/x/__init__.py", config.VersionFiles.Single().Path);

        dir.Write("pyproject.toml", Pyproject + "\n[tool.bumpversion]\ncurrent_version = \"1.2.3\"\nfiles = [{ filename = \"a.txt\" }, { filename = \"b.txt\", search = \"b {current_version}\" }]\n");
        var inline = ConfigLoader.Load(dir.Root);
        Assert.Equal(new[] { "a.txt", "b.txt" }, inline.VersionFiles.Select(f => f.Path));
    }

    [Fact]
    public void Unknown_and_unsupported_keys_produce_warnings()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("pyproject.toml", Pyproject + "\n[tool.x0tta6bl4]\ntag_fromat = \"v{version}\"\n");
        dir.Write(".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ncomit = True\nsign_tags = True\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Contains(config.Warnings, w => w.Contains("'tag_fromat'", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("'comit'", StringComparison.Ordinal) && w.Contains("spelling", StringComparison.Ordinal));
        Assert.Contains(config.Warnings, w => w.Contains("'sign_tags' is not supported", StringComparison.Ordinal));
        Assert.DoesNotContain(config.Warnings, w => w.Contains("current_version", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_key_of_every_feature_is_known_without_any_feature_having_run()
    {
        // The keys come from one schema, not from static constructors: nothing needs to have run first.
        using var dir = new TempDirectory("cfg");
        dir.Write("x0tta6bl4.toml", "release_dir = \"out/rel\"\ngithub_token_secret = \"GH\"\ncoverage_threshold = 75\n" +
            "[pypi]\nrepository = \"testpypi\"\n[nuget]\n[images]\nrepository = \"ghcr.io/o/r\"\n[gates]\nlint = \"ruff\"\n");
        Assert.Empty(ConfigLoader.Load(dir.Root).Warnings);
    }

    [Theory]
    [InlineData("tag_format = \"v{version}; touch /tmp/x\"", "tag_format", "' '")]
    [InlineData("tag_format = \"release\"", "tag_format", "{version}")]
    [InlineData("tag_format = \"v{version}..x\"", "tag_format", "'..'")]
    [InlineData("commit = \"yes\"", "commit", "true or false")]
    [InlineData("prerelease_label = \"1rc\"", "prerelease_label", "starts with a letter")]
    [InlineData("remote = \"my remote\"", "remote", "no spaces")]
    [InlineData("minor_types = \"feat\"", "minor_types", "array of strings")]
    public void An_invalid_setting_is_refused_on_load_naming_the_key_and_the_rule(string line, string key, string rule)
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("x0tta6bl4.toml", line + "\n");
        var ex = Assert.Throws<X0Exception>(() => ConfigLoader.Load(dir.Root));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Contains(key, ex.Found, StringComparison.Ordinal);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_legacy_tag_name_that_git_would_refuse_is_refused_on_load()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write(".bumpversion.cfg", "[bumpversion]\ncurrent_version = 1.2.3\ntag_name = v{new_version}:x\n");
        var ex = Assert.Throws<X0Exception>(() => ConfigLoader.Load(dir.Root));
        Assert.Contains("tag_name", ex.Found, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_schema_key_is_documented_in_the_about_topic()
    {
        var about = File.ReadAllText(Path.Combine(RepoRoot(), "module", "en-US", "about_x0tta6bl4.help.txt"));
        var missing = ConfigSchema.Keys.Select(k => k.Name).Where(k => !about.Contains(k, StringComparison.Ordinal)).ToList();
        Assert.Empty(missing);
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "x0tta6bl4.psd1"))) dir = Path.GetDirectoryName(dir)!;
        return dir;
    }

    [Fact]
    public void Invalid_toml_names_file_line_and_column()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("x0tta6bl4.toml", "a = 1\nb = 2\n[x]\nc = = 3\n");
        var ex = Assert.Throws<X0Exception>(() => ConfigLoader.Load(dir.Root));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.ParserError, ex.Category);
        Assert.Contains("x0tta6bl4.toml line 4, column 5", ex.Message);
    }

    [Fact]
    public void Version_files_setting_is_validated()
    {
        using var dir = new TempDirectory("cfg");
        dir.Write("x0tta6bl4.toml", "[[version_files]]\npath = \"a.txt\"\nscheme = \"calver\"\n");
        Assert.Equal(ErrorIds.ConfigInvalid, Assert.Throws<X0Exception>(() => ConfigLoader.Load(dir.Root)).ErrorId);

        dir.Write("x0tta6bl4.toml", "version_files = [\"VERSION\", { path = \"a.txt\", search = \"v{current_version}\", count = 2, regex = true, scheme = \"pep440\" }]\n");
        var config = ConfigLoader.Load(dir.Root);
        Assert.Equal(2, config.VersionFiles.Count);
        Assert.Equal(new VersionFileSetting("a.txt", "v{current_version}", null, X0tta6bl4.Core.Versioning.VersionScheme.Pep440, 2, true), config.VersionFiles[1]);
        Assert.False(config.DetectVersionFiles);
    }
}

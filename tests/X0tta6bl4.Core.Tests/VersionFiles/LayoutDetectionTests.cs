using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;
using X0tta6bl4.Core.Tests.Operations;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.VersionFiles;

/// <summary>
/// Every mainstream layout, each as a real git repository built the way such projects are: detection finds
/// the file the build reads the version from (and says why), and a -Patch bump rewrites exactly those bytes.
/// </summary>
public class LayoutDetectionTests
{
    /// <summary>A project: its files before, and the files a -Patch bump must leave (only those that change).</summary>
    public sealed record Layout(string Name, Dictionary<string, string> Files, Dictionary<string, string> AfterPatch, string Reason)
    {
        public override string ToString() => Name;
    }

    private const string SetupPyExec =
        "import os\nfrom setuptools import setup\n\nabout = {}\nhere = os.path.abspath(os.path.dirname(__file__))\n" +
        "with open(os.path.join(here, \"requests\", \"__version__.py\"), \"r\", encoding=\"utf-8\") as f:\n    exec(f.read(), about)\n\n" +
        "setup(\n    name=about[\"__title__\"],\n    version=about[\"__version__\"],\n    packages=[\"requests\"],\n)\n";

    public static TheoryData<Layout> Layouts() => new()
    {
        new Layout("setup.py era: setup.py execs the package's __version__.py (requests)",
            new() { ["setup.py"] = SetupPyExec, ["requests/__init__.py"] = "from .__version__ import __title__, __version__\n",
                ["requests/__version__.py"] = "__title__ = \"requests\"\n__version__ = \"2.31.0\"\n__build__ = 0x023100\n" },
            new() { ["requests/__version__.py"] = "__title__ = \"requests\"\n__version__ = \"2.31.1\"\n__build__ = 0x023100\n" },
            "__version__ in the package's __version__.py"),
        new Layout("setup.py with a literal version and the package's __init__.py",
            new() { ["setup.py"] = "from setuptools import setup\n\nsetup(\n    name='tinyapp',\n    version='0.4.2',\n    install_requires=['six>=1.10'],\n)\n",
                ["tinyapp/__init__.py"] = "__version__ = '0.4.2'\n" },
            new() { ["setup.py"] = "from setuptools import setup\n\nsetup(\n    name='tinyapp',\n    version='0.4.3',\n    install_requires=['six>=1.10'],\n)\n",
                ["tinyapp/__init__.py"] = "__version__ = '0.4.3'\n" },
            "setup(version=…) in setup.py"),
        new Layout("setup.py single-module distribution: py_modules and the module's __version__ (pluggy 0.4)",
            new() { ["setup.py"] = "from setuptools import setup\n\ndef get_version():\n    for line in open('pluggy.py'):\n        if '__version__' in line:\n            return line.split(\"'\")[1]\n\nsetup(\n    name='pluggy',\n    version=get_version(),\n    py_modules=['pluggy'],\n)\n",
                ["pluggy.py"] = "\"\"\"plugin management.\"\"\"\n__version__ = '0.4.0'\n" },
            new() { ["pluggy.py"] = "\"\"\"plugin management.\"\"\"\n__version__ = '0.4.1'\n" },
            "(py_modules in setup.py)"),
        new Layout("setup.cfg [metadata] version literal",
            new() { ["setup.py"] = "from setuptools import setup\nsetup()\n", ["setup.cfg"] = "[metadata]\nname = cfgpkg\nversion = 1.0.3\n\n[options]\npackages = find:\n" },
            new() { ["setup.cfg"] = "[metadata]\nname = cfgpkg\nversion = 1.0.4\n\n[options]\npackages = find:\n" },
            "setup.cfg [metadata] version"),
        new Layout("setup.cfg version = attr: with a src layout",
            new() { ["setup.py"] = "from setuptools import setup\nsetup()\n", ["setup.cfg"] = "[metadata]\nname = attrpkg\nversion = attr: attrpkg.__version__\n",
                ["src/attrpkg/__init__.py"] = "\"\"\"attrpkg.\"\"\"\n\n__version__ = \"3.1.0\"\n" },
            new() { ["src/attrpkg/__init__.py"] = "\"\"\"attrpkg.\"\"\"\n\n__version__ = \"3.1.1\"\n" },
            "setup.cfg [metadata] version = attr: attrpkg.__version__"),
        new Layout("setup.cfg version = file: VERSION",
            new() { ["setup.cfg"] = "[metadata]\nname = filepkg\nversion = file: VERSION\n", ["VERSION"] = "5.0.0\n", ["filepkg/__init__.py"] = "" },
            new() { ["VERSION"] = "5.0.1\n" },
            "setup.cfg [metadata] version = file: VERSION"),
        new Layout("PEP 621 static version",
            new() { ["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"static\"\nversion = \"1.4.0\"\ndependencies = [\"attrs>=1.4.0\"]\n" },
            new() { ["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"static\"\nversion = \"1.4.1\"\ndependencies = [\"attrs>=1.4.0\"]\n" },
            "PEP 621 [project].version"),
        new Layout("PEP 621 dynamic through [tool.setuptools.dynamic] attr to a VERSION constant",
            new() { ["pyproject.toml"] = "[build-system]\nrequires = [\"setuptools>=64\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"dyn\"\ndynamic = [\"version\"]\n\n[tool.setuptools.dynamic]\nversion = {attr = \"dyn.about.VERSION\"}\n",
                ["src/dyn/__init__.py"] = "from .about import VERSION\n", ["src/dyn/about.py"] = "VERSION = \"2.0.1\"\n" },
            new() { ["src/dyn/about.py"] = "VERSION = \"2.0.2\"\n" },
            "[tool.setuptools.dynamic] version = {attr = \"dyn.about.VERSION\"}"),
        new Layout("PEP 621 dynamic through [tool.setuptools.dynamic] file",
            new() { ["pyproject.toml"] = "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"dynfile\"\ndynamic = [\"version\"]\n\n[tool.setuptools.dynamic]\nversion = {file = \"src/dynfile/VERSION.txt\"}\n",
                ["src/dynfile/VERSION.txt"] = "0.9.0" },
            new() { ["src/dynfile/VERSION.txt"] = "0.9.1" },
            "[tool.setuptools.dynamic] version = {file = \"src/dynfile/VERSION.txt\"}"),
        new Layout("hatchling [tool.hatch.version] path (httpx)",
            new() { ["pyproject.toml"] = "[build-system]\nrequires = [\"hatchling\", \"hatch-fancy-pypi-readme\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"httpx\"\ndynamic = [\"readme\", \"version\"]\n\n[tool.hatch.version]\npath = \"httpx/__version__.py\"\n",
                ["httpx/__init__.py"] = "from .__version__ import __description__, __title__, __version__\n",
                ["httpx/__version__.py"] = "__title__ = \"httpx\"\n__description__ = \"A next generation HTTP client, for Python 3.\"\n__version__ = \"0.27.0\"\n" },
            new() { ["httpx/__version__.py"] = "__title__ = \"httpx\"\n__description__ = \"A next generation HTTP client, for Python 3.\"\n__version__ = \"0.27.1\"\n" },
            "[tool.hatch.version] path = \"httpx/__version__.py\""),
        new Layout("hatchling with __about__.py and hatch's VERSION spelling",
            new() { ["pyproject.toml"] = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"about\"\ndynamic = [\"version\"]\n\n[tool.hatch.version]\npath = \"src/about/__about__.py\"\n",
                ["src/about/__init__.py"] = "", ["src/about/__about__.py"] = "# SPDX-License-Identifier: MIT\nVERSION = '1.0.0'\n" },
            new() { ["src/about/__about__.py"] = "# SPDX-License-Identifier: MIT\nVERSION = '1.0.1'\n" },
            "[tool.hatch.version] path = \"src/about/__about__.py\""),
        new Layout("flit_core reads the module's __version__ (click 8.1)",
            new() { ["pyproject.toml"] = "[project]\nname = \"click-like\"\ndynamic = [\"version\"]\n\n[build-system]\nrequires = [\"flit_core<4\"]\nbuild-backend = \"flit_core.buildapi\"\n",
                ["src/click_like/__init__.py"] = "\"\"\"Composable command line interfaces.\"\"\"\nfrom .core import Command\n\n__version__ = \"8.1.7\"\n", ["src/click_like/core.py"] = "class Command: pass\n" },
            new() { ["src/click_like/__init__.py"] = "\"\"\"Composable command line interfaces.\"\"\"\nfrom .core import Command\n\n__version__ = \"8.1.8\"\n" },
            "flit reads __version__ from the module click_like"),
        new Layout("pdm-backend [tool.pdm.version] source = file",
            new() { ["pyproject.toml"] = "[project]\nname = \"pdmdemo\"\ndynamic = [\"version\"]\n\n[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n\n[tool.pdm.version]\nsource = \"file\"\npath = \"src/pdmdemo/__init__.py\"\n",
                ["src/pdmdemo/__init__.py"] = "__version__ = \"0.3.0\"\n" },
            new() { ["src/pdmdemo/__init__.py"] = "__version__ = \"0.3.1\"\n" },
            "[tool.pdm.version] path = \"src/pdmdemo/__init__.py\""),
        new Layout("Poetry [tool.poetry] version",
            new() { ["pyproject.toml"] = "[tool.poetry]\nname = \"poetic\"\nversion = \"1.8.2\"\ndescription = \"\"\n\n[tool.poetry.dependencies]\npython = \"^3.8\"\n\n[build-system]\nrequires = [\"poetry-core>=1.0.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n" },
            new() { ["pyproject.toml"] = "[tool.poetry]\nname = \"poetic\"\nversion = \"1.8.3\"\ndescription = \"\"\n\n[tool.poetry.dependencies]\npython = \"^3.8\"\n\n[build-system]\nrequires = [\"poetry-core>=1.0.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n" },
            "Poetry's [tool.poetry].version"),
        new Layout(".NET Directory.Build.props with VersionPrefix (serilog)",
            new() { ["Directory.Build.props"] = "<Project>\r\n  <PropertyGroup>\r\n    <VersionPrefix>4.0.1</VersionPrefix>\r\n    <LangVersion>latest</LangVersion>\r\n  </PropertyGroup>\r\n</Project>\r\n",
                ["src/Lib/Lib.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk\">\r\n  <PropertyGroup>\r\n    <TargetFramework>net8.0</TargetFramework>\r\n  </PropertyGroup>\r\n</Project>\r\n" },
            new() { ["Directory.Build.props"] = "<Project>\r\n  <PropertyGroup>\r\n    <VersionPrefix>4.0.2</VersionPrefix>\r\n    <LangVersion>latest</LangVersion>\r\n  </PropertyGroup>\r\n</Project>\r\n" },
            "Directory.Build.props"),
        new Layout(".NET Directory.Version.props imported by Directory.Build.props (serilog 4)",
            new() { ["Directory.Build.props"] = "<Project>\n  <Import Project=\"$(MSBuildThisFileDirectory)Directory.Version.props\" />\n  <PropertyGroup><LangVersion>latest</LangVersion></PropertyGroup>\n</Project>\n",
                ["Directory.Version.props"] = "<Project>\n  <PropertyGroup>\n    <VersionPrefix>4.3.1</VersionPrefix>\n  </PropertyGroup>\n</Project>\n",
                ["src/Serilog/Serilog.csproj"] = "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n    <AssemblyVersion>$(VersionPrefix.Substring(0,3)).0.0</AssemblyVersion>\n  </PropertyGroup>\n</Project>\n" },
            new() { ["Directory.Version.props"] = "<Project>\n  <PropertyGroup>\n    <VersionPrefix>4.3.2</VersionPrefix>\n  </PropertyGroup>\n</Project>\n" },
            "<Version>/<VersionPrefix> in Directory.Version.props"),
        new Layout("PowerShell module manifest",
            new() { ["ImportLike/ImportLike.psd1"] = "@{\n    RootModule = 'ImportLike.psm1'\n    ModuleVersion = '7.8.6'\n    GUID = '60dd4136-feff-401a-ba27-a84458c57ede'\n    PrivateData = @{ PSData = @{ Tags = @('excel') } }\n}\n" },
            new() { ["ImportLike/ImportLike.psd1"] = "@{\n    RootModule = 'ImportLike.psm1'\n    ModuleVersion = '7.8.7'\n    GUID = '60dd4136-feff-401a-ba27-a84458c57ede'\n    PrivateData = @{ PSData = @{ Tags = @('excel') } }\n}\n" },
            "ModuleVersion in a module manifest"),
        new Layout("Node package.json",
            new() { ["package.json"] = "{\n  \"name\": \"release-like\",\n  \"version\": \"16.3.1\",\n  \"dependencies\": {\n    \"semver\": \"^7.5.4\"\n  }\n}\n" },
            new() { ["package.json"] = "{\n  \"name\": \"release-like\",\n  \"version\": \"16.3.2\",\n  \"dependencies\": {\n    \"semver\": \"^7.5.4\"\n  }\n}\n" },
            "\"version\" in package.json"),
        new Layout("Cargo.toml [package] (anyhow)",
            new() { ["Cargo.toml"] = "[package]\nname = \"anyhow\"\nversion = \"1.0.86\"\nedition = \"2018\"\n\n[dependencies]\nbacktrace = { version = \"0.3.51\", optional = true }\n" },
            new() { ["Cargo.toml"] = "[package]\nname = \"anyhow\"\nversion = \"1.0.87\"\nedition = \"2018\"\n\n[dependencies]\nbacktrace = { version = \"0.3.51\", optional = true }\n" },
            "[package].version in Cargo.toml"),
        new Layout("Cargo workspace [workspace.package]",
            new() { ["Cargo.toml"] = "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nversion = \"0.12.0\"\nedition = \"2021\"\n",
                ["crates/a/Cargo.toml"] = "[package]\nname = \"a\"\nversion.workspace = true\n" },
            new() { ["Cargo.toml"] = "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nversion = \"0.12.1\"\nedition = \"2021\"\n" },
            "[workspace.package].version in Cargo.toml"),
        new Layout("Helm Chart.yaml: the chart's version, not appVersion",
            new() { ["Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 0.5.0\nappVersion: \"1.16.0\"\ndependencies:\n  - name: redis\n    version: 17.3.2\n" },
            new() { ["Chart.yaml"] = "apiVersion: v2\nname: web\nversion: 0.5.1\nappVersion: \"1.16.0\"\ndependencies:\n  - name: redis\n    version: 17.3.2\n" },
            "the chart's version in Chart.yaml"),
        new Layout("a VERSION file",
            new() { ["VERSION"] = "2.4.0\n", ["Makefile"] = "VERSION := $(shell cat VERSION)\n" },
            new() { ["VERSION"] = "2.4.1\n" },
            "a VERSION file that holds only the version"),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Detects_the_file_the_build_reads_and_a_patch_bump_rewrites_exactly_it(Layout layout)
    {
        using var repo = new GitRepoFixture("layout");
        foreach (var (path, text) in layout.Files) repo.Write(path, text);
        repo.Commit("feat: initial");

        var detected = VersionFileLocator.DetectAll(repo.Root, new RecordingLog());
        Assert.Null(detected.TagSource);
        Assert.Contains(detected.Files, f => f.Reason.Contains(layout.Reason, StringComparison.Ordinal));

        var result = await StepVersionReliabilityTests.Bump(new StepVersionRequest { Path = repo.Root, Bump = BumpRequest.Patch() });
        Assert.NotNull(result.CommitSha);
        foreach (var (path, text) in layout.Files)
        {
            Assert.Equal(layout.AfterPatch.TryGetValue(path, out var after) ? after : text, repo.ReadText(path));
        }
        Assert.Equal(layout.AfterPatch.Keys.Order(StringComparer.Ordinal),
            repo.Git("show", "--name-only", "--format=", "HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    public static TheoryData<string, string, string> TagDerivedLayouts() => new()
    {
        { "setuptools_scm", "[build-system]\nrequires = [\"setuptools>=64\", \"setuptools_scm>=8\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"scm\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\n", "setuptools_scm" },
        { "hatch-vcs", "[build-system]\nrequires = [\"hatchling\", \"hatch-vcs\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"vcs\"\ndynamic = [\"version\"]\n\n[tool.hatch.version]\nsource = \"vcs\"\n", "hatch-vcs" },
        { "versioningit", "[build-system]\nrequires = [\"setuptools\", \"versioningit\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\nname = \"vit\"\ndynamic = [\"version\"]\n\n[tool.versioningit]\ndefault-version = \"0.0.0+unknown\"\n", "versioningit" },
        { "setuptools_scm in setup.py", "", "use_scm_version" },
        { "pdm scm", "[build-system]\nrequires = [\"pdm-backend\"]\nbuild-backend = \"pdm.backend\"\n\n[project]\nname = \"pdmscm\"\ndynamic = [\"version\"]\n\n[tool.pdm.version]\nsource = \"scm\"\n", "pdm-backend" },
    };

    [Theory]
    [MemberData(nameof(TagDerivedLayouts))]
    public async Task A_version_derived_from_tags_is_released_as_a_tag_only(string name, string pyproject, string source)
    {
        using var repo = new GitRepoFixture(name.Replace(' ', '-'));
        // setuptools_scm's generated, ignored _version.py is no version file to bump.
        if (pyproject.Length == 0)
        {
            // pluggy before 1.0: setup.py asks setuptools_scm for the version, no pyproject.toml.
            repo.Write("setup.py", "from setuptools import setup\n\nsetup(\n    name=\"pluggy\",\n    use_scm_version={\"write_to\": \"src/pkg/_version.py\"},\n    setup_requires=[\"setuptools-scm\"],\n)\n");
        }
        else
        {
            repo.Write("pyproject.toml", pyproject);
        }
        repo.Write(".gitignore", "src/pkg/_version.py\n").Write("src/pkg/__init__.py", "from ._version import __version__\n");
        repo.Commit("feat: initial");
        repo.Tag("v1.4.2");
        // A release on another line of history (a maintenance branch's 9.0.0) is not what HEAD counts from.
        repo.Git("checkout", "-q", "-b", "side");
        repo.Write("side.txt", "x\n").Commit("feat: elsewhere");
        repo.Tag("v9.0.0");
        repo.Git("checkout", "-q", "main");
        repo.Write("src/pkg/_version.py", "__version__ = version = '1.4.2'\n").Write("src/pkg/core.py", "x = 1\n").Commit("fix: a bug");
        var head = repo.Head;

        var detected = VersionFileLocator.DetectAll(repo.Root, new RecordingLog());
        Assert.Empty(detected.Files);
        Assert.Contains(source, detected.TagSource, StringComparison.Ordinal);

        var result = await StepVersionReliabilityTests.Bump(new StepVersionRequest { Path = repo.Root, Bump = BumpRequest.Minor(), Auto = true });
        Assert.Equal("1.4.3", result.Plan.NextVersion);
        Assert.Empty(result.Plan.Files);
        Assert.Equal(head, repo.Head);
        Assert.Equal(head, repo.Git("rev-list", "-n", "1", "v1.4.3").Trim());
    }

    [Fact]
    public async Task Files_already_at_the_next_version_are_tagged_not_bumped_again()
    {
        // A release job committed "chore(release): v1.3.0" and died before tagging.
        using var repo = StepVersionReliabilityTests.PythonRepo("bumped-not-tagged");
        repo.Tag("v1.2.3");
        repo.Write("src/pkg/core.py", "x = 1\n").Commit("feat: a feature");
        repo.Write("pyproject.toml", "[project]\nname = \"pkg\"\nversion = \"1.3.0\"\n").Write("src/pkg/__init__.py", "__version__ = \"1.3.0\"\n")
            .Commit("chore(release): v1.3.0");
        var head = repo.Head;

        foreach (var request in new[]
                 {
                     new StepVersionRequest { Path = repo.Root, Bump = new BumpRequest(), Auto = true },
                     new StepVersionRequest { Path = repo.Root, Bump = BumpRequest.Minor() },
                 })
        {
            var log = new RecordingLog();
            var operation = new StepVersion();
            var plan = await operation.PlanAsync(request, StepVersionReliabilityTests.Context(log));
            Assert.Equal("1.3.0", plan.NextVersion);
            Assert.Equal("1.2.3", plan.PreviousVersion);
            Assert.True(plan.AlreadyBumped);
            Assert.Empty(plan.Files);
            Assert.Null(plan.CommitMessage);
            Assert.Contains("bumped, not tagged", plan.Reason, StringComparison.Ordinal);
            Assert.Contains(log.Warnings, w => w.Contains("No second bump", StringComparison.Ordinal));
        }

        var result = await StepVersionReliabilityTests.Bump(new StepVersionRequest { Path = repo.Root, Bump = new BumpRequest(), Auto = true });
        Assert.True(result.Tagged);
        Assert.Equal(head, repo.Head);
        Assert.Equal(head, repo.Git("rev-list", "-n", "1", "v1.3.0").Trim());
        Assert.Contains("version = \"1.3.0\"", repo.ReadText("pyproject.toml"), StringComparison.Ordinal);
    }
}

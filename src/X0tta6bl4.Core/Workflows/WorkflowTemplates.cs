using System.Text;

namespace X0tta6bl4.Core.Workflows;

/// <summary>One workflow the generator writes: its file name under .github/workflows, what it is for, and its text (no header).</summary>
public sealed record GeneratedWorkflow(string Name, string FileName, string Purpose, string Body);

/// <summary>How the workflows call x0tta6bl4.</summary>
public sealed record WorkflowOptions
{
    /// <summary>The setup action's <c>uses:</c> value (x0tta6bl4/x0tta6bl4@v0.2.0, or a commit with a version comment).</summary>
    public required string SetupUses { get; init; }
    /// <summary>Branches whose pushes run the tests and build images (the reference pipeline: main and develop).</summary>
    public IReadOnlyList<string> Branches { get; init; } = ["main", "develop"];
    /// <summary>The branch pull requests target.</summary>
    public string DefaultBranch { get; init; } = "main";
    /// <summary>Used when the project configures no coverage_threshold (the reference checklist's 75 %).</summary>
    public int CoverageThreshold { get; init; } = 75;
}

/// <summary>
/// The reference pipeline as GitHub Actions workflows whose steps are x0tta6bl4 cmdlets in pwsh: test.yml
/// (gates on a Python matrix, or .NET / PowerShell gates), docker.yml (dev and prod images to GHCR, when
/// there is a Dockerfile) and release.yml (on a version tag, or by hand with a bump: gates, packages to
/// PyPI with trusted publishing or to NuGet / the Gallery, images, GitHub release). Pure: facts in, text out.
/// </summary>
public static class WorkflowTemplates
{
    public static IReadOnlyList<GeneratedWorkflow> Render(WorkflowProject project, WorkflowOptions options)
    {
        var list = new List<GeneratedWorkflow>
        {
            new("test", "test.yml", "tests, lint, types, format and coverage on every push and pull request", Test(project, options)),
        };
        if (project.Dockerfile)
        {
            list.Add(new("docker", "docker.yml", "development and production images to GHCR", Docker(project, options)));
        }
        list.Add(new("release", "release.yml", "the release on a version tag or by hand", Release(project, options)));
        return list;
    }

    private static string Test(WorkflowProject p, WorkflowOptions o)
    {
        var w = new YamlText();
        w.Line("# Tests and code quality on every push and pull request: one Invoke-X0Test per job gives");
        w.Line("# annotations per failure, a summary table, and junit.xml + coverage.xml as artifacts.");
        w.Line("name: test");
        w.Line("on:");
        w.Line("  push:");
        w.Line($"    branches: [{string.Join(", ", o.Branches)}]");
        w.Line("  pull_request:");
        w.Line($"    branches: [{o.DefaultBranch}]");
        w.Line("permissions:");
        w.Line("  contents: read");
        w.Line("concurrency:");
        w.Line("  group: test-${{ github.ref }}");
        w.Line("  cancel-in-progress: true");
        w.Line("jobs:");
        var threshold = p.CoverageConfigured ? "" : $" -CoverageThreshold {o.CoverageThreshold}";
        var first = true;
        if (p.Python)
        {
            first = false;
            w.Line("  python:");
            w.Line("    name: Python ${{ matrix.python }}");
            w.Line("    runs-on: ubuntu-latest");
            w.Line("    strategy:");
            w.Line("      fail-fast: false");
            w.Line("      matrix:");
            w.Line($"        # From {p.PythonVersionsSource}.");
            w.Line($"        python: [{string.Join(", ", p.PythonVersions.Select(v => $"\"{v}\""))}]");
            w.Line("    steps:");
            Checkout(w, fetchAll: false);
            SetupPython(w, "${{ matrix.python }}");
            w.Line("      - name: Install the project and its tools");
            w.Line($"        run: python -m pip install {p.PipInstall}");
            Setup(w, o);
            Gates(w, "Lint, types, format, tests and coverage", threshold, "python-${{ matrix.python }}");
        }
        if (p.DotNet)
        {
            if (!first) w.Line("");
            first = false;
            w.Line("  dotnet:");
            w.Line("    runs-on: ubuntu-latest");
            w.Line("    steps:");
            Checkout(w, fetchAll: false);
            SetupDotNet(w, p);
            Setup(w, o);
            Gates(w, "Tests, coverage and format", threshold, "dotnet");
        }
        if (p.PowerShell)
        {
            if (!first) w.Line("");
            w.Line("  powershell:");
            w.Line("    runs-on: ubuntu-latest");
            w.Line("    steps:");
            Checkout(w, fetchAll: false);
            Setup(w, o);
            w.Line("      - name: Install Pester and PSScriptAnalyzer");
            w.Line("        shell: pwsh");
            w.Line("        run: Install-PSResource -Name Pester, PSScriptAnalyzer -TrustRepository -Quiet");
            Gates(w, "Pester and PSScriptAnalyzer", threshold, "powershell");
        }
        return w.ToString();
    }

    private static string Docker(WorkflowProject p, WorkflowOptions o)
    {
        var w = new YamlText();
        w.Line("# Development and production images on pushes and pull requests: tags from the branch and commit");
        w.Line("# (develop, edge, sha-…), pushed to GHCR with verified digests; pull requests build pr-N without");
        w.Line("# pushing. Release images (vX.Y.Z, prod-vX.Y.Z, latest) come from release.yml.");
        w.Line("name: docker");
        w.Line("on:");
        w.Line("  push:");
        w.Line($"    branches: [{string.Join(", ", o.Branches)}]");
        w.Line("  pull_request:");
        w.Line($"    branches: [{o.DefaultBranch}]");
        w.Line("permissions:");
        w.Line("  contents: read");
        w.Line("concurrency:");
        w.Line("  group: docker-${{ github.ref }}");
        w.Line("  cancel-in-progress: true");
        w.Line("jobs:");
        w.Line("  images:");
        w.Line("    runs-on: ubuntu-latest");
        w.Line("    permissions:");
        w.Line("      contents: read");
        w.Line("      packages: write   # push to ghcr.io");
        w.Line("    steps:");
        Checkout(w, fetchAll: true);
        Setup(w, o);
        w.Line($"      - name: Build and push {(p.ImageTargets.Count > 0 ? string.Join(" and ", p.ImageTargets) : "the image")}");
        w.Line("        shell: pwsh");
        w.Line("        env:");
        w.Line("          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}");
        if (p.ImageTargets.Count == 0)
        {
            w.Line("        run: Build-X0Image -Push -ErrorAction Stop");
        }
        else
        {
            w.Line("        run: |");
            foreach (var target in p.ImageTargets) w.Line($"          Build-X0Image -Target {target} -Push -ErrorAction Stop");
        }
        return w.ToString();
    }

    private static string Release(WorkflowProject p, WorkflowOptions o)
    {
        var w = new YamlText();
        w.Line("# The release, on a pushed tag vX.Y.Z or by hand (Actions > release > Run workflow, which bumps the");
        w.Line("# version from the Conventional Commits and tags it). Publish-X0Release checks the tag against the");
        w.Line("# version files, runs the gates, writes the notes, builds and checks the packages, pushes, uploads");
        w.Line("# them and publishes the GitHub release last; a re-run resumes where a failed one stopped.");
        w.Line("name: release");
        w.Line("on:");
        w.Line("  push:");
        w.Line("    tags: [\"v*.*.*\"]");
        w.Line("  workflow_dispatch:");
        w.Line("    inputs:");
        w.Line("      bump:");
        w.Line("        description: How to bump the version (auto reads the Conventional Commits)");
        w.Line("        type: choice");
        w.Line("        options: [auto, patch, minor, major]");
        w.Line("        default: auto");
        w.Line("permissions:");
        w.Line("  contents: read");
        w.Line("concurrency:");
        w.Line("  group: release");
        w.Line("  cancel-in-progress: false");
        w.Line("jobs:");
        w.Line("  release:");
        w.Line("    runs-on: ubuntu-latest");
        w.Line("    permissions:");
        w.Line("      contents: write   # release commit, tag and GitHub release");
        if (p.Dockerfile) w.Line("      packages: write   # release images on ghcr.io");
        if (p.Python) w.Line("      id-token: write   # PyPI trusted publishing");
        w.Line("    steps:");
        Checkout(w, fetchAll: true);
        if (p.Python)
        {
            SetupPython(w, $"\"{p.PythonVersions[^1]}\"");
            w.Line("      - name: Install the project, its tools and build");
            w.Line($"        run: python -m pip install {p.PipInstall} build");
        }
        if (p.DotNet) SetupDotNet(w, p);
        Setup(w, o);
        if (p.PowerShell)
        {
            w.Line("      - name: Install Pester and PSScriptAnalyzer");
            w.Line("        shell: pwsh");
            w.Line("        run: Install-PSResource -Name Pester, PSScriptAnalyzer -TrustRepository -Quiet");
        }
        w.Line("      - name: Publish");
        w.Line("        shell: pwsh");
        w.Line("        env:");
        w.Line("          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}");
        if (p.DotNet || p.PowerShell)
        {
            w.Line($"          {(p.PowerShell ? "PSGALLERY_API_KEY: ${{ secrets.PSGALLERY_API_KEY }}" : "NUGET_API_KEY: ${{ secrets.NUGET_API_KEY }}")}");
        }
        w.Line("          BUMP: ${{ inputs.bump }}");
        w.Line("        run: |");
        var publish = "Publish-X0Release" + (p.Dockerfile ? " -Image" + (p.ImageTargets.Count > 0 ? " -ImageTarget " + string.Join(", ", p.ImageTargets) : "") : "") + " -ErrorAction Stop";
        w.Line("          if ($env:GITHUB_EVENT_NAME -eq 'workflow_dispatch') {");
        w.Line("              git config user.name 'github-actions[bot]'");
        w.Line("              git config user.email '41898282+github-actions[bot]@users.noreply.github.com'");
        w.Line("              # Bumped and tagged here; the Push step sends both once the gates and packages pass.");
        w.Line("              $bump = @{ ($env:BUMP -eq 'auto' ? 'Auto' : $env:BUMP) = $true }");
        w.Line($"              Step-X0Version @bump -ErrorAction Stop | {publish}");
        w.Line("          } else {");
        w.Line($"              {publish}");
        w.Line("          }");
        return w.ToString();
    }

    private static void Checkout(YamlText w, bool fetchAll)
    {
        w.Line($"      - uses: {ActionPins.Checkout.Uses}");
        if (!fetchAll) return;
        w.Line("        with:");
        w.Line("          fetch-depth: 0   # tags and history: versions and notes come from them");
    }

    private static void SetupPython(YamlText w, string version)
    {
        w.Line($"      - uses: {ActionPins.SetupPython.Uses}");
        w.Line("        with:");
        w.Line($"          python-version: {version}");
    }

    private static void SetupDotNet(YamlText w, WorkflowProject p)
    {
        w.Line($"      - uses: {ActionPins.SetupDotNet.Uses}");
        w.Line("        with:");
        w.Line(p.GlobalJson ? "          global-json-file: global.json" : $"          dotnet-version: {p.DotNetChannel}");
    }

    private static void Setup(YamlText w, WorkflowOptions o)
    {
        w.Line("      - name: Set up x0tta6bl4");
        w.Line($"        uses: {o.SetupUses}");
    }

    private static void Gates(YamlText w, string title, string threshold, string artifact)
    {
        w.Line($"      - name: {title}");
        w.Line("        shell: pwsh");
        w.Line($"        run: Invoke-X0Test{threshold} -OutputDirectory artifacts -ErrorAction Stop");
        w.Line($"      - uses: {ActionPins.UploadArtifact.Uses}");
        w.Line("        if: always()");
        w.Line("        with:");
        w.Line($"          name: test-results-{artifact}");
        w.Line("          path: artifacts/");
    }

    /// <summary>Lines joined with \n and a final newline.</summary>
    private sealed class YamlText
    {
        private readonly StringBuilder _sb = new(2048);

        public void Line(string text) => _sb.Append(text).Append('\n');

        public override string ToString() => _sb.ToString();
    }
}

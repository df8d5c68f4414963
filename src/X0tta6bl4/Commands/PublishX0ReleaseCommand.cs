using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Packages;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Publishes a verified, test-gated release: preflight, gates, notes, assets, GitHub Release — resumable.</para>
/// </summary>
[Cmdlet(VerbsData.Publish, "X0Release", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(X0Release))]
public sealed class PublishX0ReleaseCommand : X0GitHubCmdlet
{
    /// <summary>A release also waits for another run of the same version, so its bound is shorter than a query's.</summary>
    private static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMinutes(3);

    /// <summary>The release tag (default: the release tag at HEAD). Binds from Step-X0Version's Tag.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Tag { get; set; }

    /// <summary>The version to release; its tag is derived from tag_format. Binds from Step-X0Version's Version.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Version { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    /// <summary>Files to attach (paths or wildcards relative to the project); default: this version's files in dist/.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Asset { get; set; }

    [Parameter]
    public SwitchParameter SkipTests { get; set; }

    /// <summary>Gate on these reports of an earlier job (JUnit, TRX, Cobertura; paths or globs relative to the project) instead of running the tests.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? TestReport { get; set; }

    /// <summary>Gates whose tool may be missing in this release; added to optional_gates.</summary>
    [Parameter]
    [ValidateSet("Test", "Lint", "Type", "Format", "Coverage", "All", IgnoreCase = true)]
    public string[]? OptionalGate { get; set; }

    [Parameter]
    public SwitchParameter Draft { get; set; }

    /// <summary>Package checks' warnings are errors, as twine check --strict (default: [tool.x0tta6bl4.packages] strict).</summary>
    [Parameter]
    public SwitchParameter StrictPackageCheck { get; set; }

    /// <summary>owner/name on GitHub (default: from the remote).</summary>
    [Parameter]
    [ValidatePattern(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    public string? Repository { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Remote { get; set; }

    /// <summary>Also build, push and verify container images (or set release = true under [tool.x0tta6bl4.images]).</summary>
    [Parameter]
    public SwitchParameter Image { get; set; }

    /// <summary>Dockerfile targets to release, e.g. prod (default: images.release_targets, else the last stage).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ImageTarget { get; set; }

    /// <summary>Image repository such as ghcr.io/owner/name (default: images.repository, else from the remote).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ImageRepository { get; set; }

    /// <summary>Release notes to use instead of the generated ones (Markdown).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Notes { get; set; }

    /// <summary>Which packages to build and publish (default: detected). None leaves packages out.</summary>
    [Parameter]
    [ValidateSet("Python", "PowerShell", "DotNet", "None")]
    public string[]? Package { get; set; }

    /// <summary>The Python index: upload URL, pypi, testpypi or a configured name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PyPIRepository { get; set; }

    /// <summary>A PyPI API token.</summary>
    [Parameter]
    public SecureString? PyPIToken { get; set; }

    /// <summary>PyPI credentials: user __token__ with the token as password (or a private index's user).</summary>
    [Parameter]
    [Credential]
    public PSCredential? PyPICredential { get; set; }

    /// <summary>Upload to PyPI with trusted publishing (GitHub Actions OIDC) even when a token is set.</summary>
    [Parameter]
    public SwitchParameter TrustedPublishing { get; set; }

    /// <summary>NuGet feeds for nupkgs: PSGallery, nuget.org, a v3 index URL, a v2 push URL, a folder, or a registered PSResourceGet repository.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NuGetRepository { get; set; }

    /// <summary>The API key for NuGet feeds and the PowerShell Gallery.</summary>
    [Parameter]
    public SecureString? NuGetApiKey { get; set; }

    /// <summary>Binds from Step-X0Version: a NoRelease result means there is nothing to publish.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? Status { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        if (string.Equals(Status, "NoRelease", StringComparison.OrdinalIgnoreCase))
        {
            // Step-X0Version -Auto found nothing releasable: nothing to publish, and not an error.
            WriteVerbose($"Nothing to publish: Step-X0Version reported no release for {root}.");
            return;
        }
        var token = ResolveGitHubToken(root);
        var whatIf = IsWhatIf();
        var host = PowerShellHostCommand();
        var packages = PackageOptions(root, host);
        RunWorker(scope => RunAsync(scope, root, token, whatIf, host, packages));
    }

    private async Task RunAsync(WorkerScope scope, string root, string? token, bool whatIf, string[]? host, PackageReleaseOptions packages)
    {
        var request = new ReleaseRequest
        {
            Path = root,
            Tag = Tag,
            Version = Tag is null ? Version : null,
            Assets = Asset ?? Array.Empty<string>(),
            SkipTests = SkipTests,
            // Relative to where the user stands, as PowerShell paths are; globs (** too) are expanded in Core.
            TestReports = TestReport?.Select(r => System.IO.Path.GetFullPath(r, SessionState.Path.CurrentFileSystemLocation.ProviderPath)).ToArray() ?? Array.Empty<string>(),
            OptionalGates = OptionalGate ?? Array.Empty<string>(),
            Draft = Draft,
            Token = token,
            ApiUrl = ApiUrl,
            Repository = Repository,
            OutputDirectory = OutputDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(OutputDirectory),
            Remote = Remote ?? "origin",
            MaxWait = MaxWait ?? DefaultMaxWait,
            Notes = Notes,
            Images = Image,
            ImageTargets = ImageTarget ?? Array.Empty<string>(),
            ImageRepository = ImageRepository,
        };
        scope.Run.Path = root;
        var operation = new PublishRelease(ReleaseCollaboratorsFactory.Create(scope.Context, request.MaxWait, host, packages: packages));
        var result = await operation.RunAsync(request, scope.Context, whatIf, (target, action) => scope.ShouldProcessAsync(target, action)).ConfigureAwait(false);

        var output = new X0Release
        {
            Version = result.Version,
            Tag = result.Tag,
            Commit = result.Commit,
            Repository = result.Repository,
            Url = result.Url,
            Draft = result.Draft,
            Prerelease = result.Prerelease,
            Succeeded = result.Succeeded,
            Notes = result.Notes is null ? null : SecretRedactor.Redact(result.Notes),
            OutputDirectory = result.OutputDirectory,
            Steps = result.Steps.Select(s => new X0ReleaseStep
            {
                Name = s.Name,
                Status = s.Status.ToString(),
                Detail = SecretRedactor.Redact(s.Detail),
                Duration = s.Duration,
                ErrorId = s.Error?.ErrorId,
            }).ToArray(),
            Assets = result.Assets.Select(a => new X0ReleaseAsset { Name = a.Name, Size = a.Size, Sha256 = a.Sha256, Url = a.Url, Path = a.Path }).ToArray(),
            TestRun = result.Gates is null ? null : new X0ReleaseGates
            {
                Succeeded = result.Gates.Succeeded,
                Passed = result.Gates.Passed,
                Failed = result.Gates.Failed,
                Skipped = result.Gates.Skipped,
                LineCoverage = result.Gates.LineCoverage,
                Summary = SecretRedactor.Redact(result.Gates.Summary),
            },
            TestsSkipped = result.TestsSkipped,
            Images = (result.Images ?? Array.Empty<ReleaseImage>()).Select(i => new X0ReleaseImage
            {
                Repository = i.Repository,
                Tags = i.Tags.ToArray(),
                Digest = i.Digest,
                Target = i.Target,
            }).ToArray(),
            Packages = result.Packages.Select(p => new X0Package
            {
                Ecosystem = p.Ecosystem.ToString(),
                Name = p.Name,
                Version = p.Version,
                Checks = p.Checks.ToArray(),
                Warnings = p.Warnings.ToArray(),
                Files = p.Files.Select(f => new X0PackageFile { Name = f.Name, Kind = f.Kind, Size = f.Size, Sha256 = f.Sha256, Path = f.Path }).ToArray(),
            }).ToArray(),
        };

        scope.Run.Version = output.Version;
        scope.Run.Summary = $"{output.Tag}: " + string.Join(", ", output.Steps.Select(s => $"{s.Name} {s.Status}"));
        if (!whatIf)
        {
            var actions = GitHubActions.FromProcess();
            if (output.Url is not null) actions.SetOutput("release-url", output.Url);
            if (output.Version.Length > 0) actions.SetOutput("version", output.Version);
            if (output.Tag.Length > 0) actions.SetOutput("tag", output.Tag);
            if (output.Images.FirstOrDefault()?.Digest is { } imageDigest) actions.SetOutput("image-digest", imageDigest);
            actions.AppendSummary(Summary(output));
        }
        scope.WriteObject(output);
        if (result.FirstFailure is { } failed)
        {
            scope.WriteError(failed.Error ?? new X0Exception(ErrorIds.Unexpected, X0ErrorCategory.NotSpecified,
                $"step {failed.Name} to succeed", failed.Detail, "Run again with -Verbose"), output.Tag);
        }
    }

    private static string Summary(X0Release r)
    {
        var lines = new List<string>
        {
            $"### Publish-X0Release {r.Tag}",
            string.Empty,
            r.Url is null ? $"Produced locally in `{r.OutputDirectory}`" : $"[{r.Tag}]({r.Url}){(r.Draft ? " (draft)" : string.Empty)}",
            string.Empty,
            "| step | status | detail |",
            "|---|---|---|",
        };
        lines.AddRange(r.Steps.Select(s => $"| {s.Name} | {s.Status} | {s.Detail.Replace("|", "\\|", StringComparison.Ordinal)} |"));
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>Package parameters, SecretManagement secrets named in config, and PSResourceGet repository names resolved here (on the pipeline thread).</summary>
    private PackageReleaseOptions PackageOptions(string root, string[]? host)
    {
        var package = Package ?? Array.Empty<string>();
        string? pypiToken = null, pypiUser = null;
        if (PyPIToken is not null) pypiToken = ReadSecret(PyPIToken);
        else if (PyPICredential is not null)
        {
            pypiToken = PyPICredential.GetNetworkCredential().Password;
            pypiUser = string.IsNullOrWhiteSpace(PyPICredential.UserName) ? null : PyPICredential.UserName;
        }
        else if (PackageSteps.SecretName(root, "pypi", "token_secret") is { } pypiSecret) pypiToken = FromNamedSecret(pypiSecret, "pypi.token_secret");
        string? nugetKey = NuGetApiKey is not null ? ReadSecret(NuGetApiKey)
            : PackageSteps.SecretName(root, "nuget", "api_key_secret") is { } nugetSecret ? FromNamedSecret(nugetSecret, "nuget.api_key_secret") : null;
        if (!string.IsNullOrWhiteSpace(pypiToken)) pypiToken = SecretRedactor.Register(pypiToken);
        if (!string.IsNullOrWhiteSpace(nugetKey)) nugetKey = SecretRedactor.Register(nugetKey);
        return new PackageReleaseOptions
        {
            Skip = package.Contains("None", StringComparer.OrdinalIgnoreCase),
            Ecosystems = package.Length == 0 || package.Contains("None", StringComparer.OrdinalIgnoreCase)
                ? null
                : package.Select(p => Enum.Parse<PackageEcosystem>(p, ignoreCase: true)).ToArray(),
            PyPIRepository = PyPIRepository,
            PyPIToken = string.IsNullOrWhiteSpace(pypiToken) ? null : pypiToken,
            PyPIUser = pypiUser,
            TrustedPublishing = TrustedPublishing,
            NuGetRepositories = (NuGetRepository ?? Array.Empty<string>()).Select(r => ResolveFeed(r, root)).ToArray(),
            NuGetApiKey = string.IsNullOrWhiteSpace(nugetKey) ? null : nugetKey,
            PowerShell = host,
            Strict = MyInvocation.BoundParameters.ContainsKey(nameof(StrictPackageCheck)) ? StrictPackageCheck.IsPresent : null,
        };
    }

    /// <summary>A registered PSResourceGet repository name becomes its URI; URLs, folders, PSGallery and nuget.org pass through.</summary>
    private string ResolveFeed(string spec, string root)
    {
        if (spec.Equals("PSGallery", StringComparison.OrdinalIgnoreCase) || spec.Equals("nuget.org", StringComparison.OrdinalIgnoreCase))
        {
            // The public indexes by name: Core knows their addresses (never a folder of that name).
            return spec;
        }
        if (Uri.TryCreate(spec, UriKind.Absolute, out _) || spec.IndexOfAny(new[] { '/', '\\', '.' }) >= 0)
        {
            return Uri.TryCreate(spec, UriKind.Absolute, out _) ? spec : GetUnresolvedProviderPathFromPSPath(spec);
        }
        var found = InvokeCommand.InvokeScript("param($n) Get-PSResourceRepository -Name $n -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Uri",
            true, System.Management.Automation.Runspaces.PipelineResultTypes.Output, null, spec);
        if (found.Count > 0 && found[0]?.BaseObject is Uri uri)
        {
            WriteVerbose($"-NuGetRepository {spec} is the PSResourceGet repository at {uri}");
            return uri.IsFile ? uri.LocalPath : uri.ToString();
        }
        return GetUnresolvedProviderPathFromPSPath(System.IO.Path.Combine(root, spec));
    }

    private string? FromNamedSecret(string name, string setting)
    {
        var available = InvokeCommand.InvokeScript("Get-Command -Name Get-Secret -ErrorAction SilentlyContinue");
        if (available.Count == 0)
        {
            WriteWarning($"{setting} = '{name}' is configured but Microsoft.PowerShell.SecretManagement is not installed.");
            return null;
        }
        var secret = InvokeCommand.InvokeScript("param($n) Get-Secret -Name $n -ErrorAction Stop", true, System.Management.Automation.Runspaces.PipelineResultTypes.Output, null, name);
        return secret.Count == 0 ? null : secret[0].BaseObject switch
        {
            SecureString s => ReadSecret(s),
            string s => s,
            PSCredential c => c.GetNetworkCredential().Password,
            _ => null,
        };
    }

    /// <summary>-Token / -Credential (the shared GitHub parameters), else GITHUB_TOKEN, GH_TOKEN, else the configured secret.</summary>
    private string? ResolveGitHubToken(string root)
    {
        var token = ResolveToken();
        if (token is not null) return token;
        var raw = Environment.GetEnvironmentVariable("GITHUB_TOKEN");
        if (string.IsNullOrWhiteSpace(raw)) raw = Environment.GetEnvironmentVariable("GH_TOKEN");
        if (string.IsNullOrWhiteSpace(raw)) raw = FromSecretManagement(root);
        return string.IsNullOrWhiteSpace(raw) ? null : SecretRedactor.Register(raw);
    }

    /// <summary>A SecretManagement secret named in config (github_token_secret), when that module is installed.</summary>
    private string? FromSecretManagement(string root)
    {
        string? name;
        try
        {
            name = ReleaseCollaboratorsFactory.TokenSecretName(root);
        }
        catch (X0Exception)
        {
            return null;
        }
        return name is null ? null : FromNamedSecret(name, "github_token_secret");
    }
}

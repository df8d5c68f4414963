using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Packages;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Builds and validates the project's packages (Python sdist + wheel, the PowerShell module's nupkg, .NET nupkgs) from the commit at HEAD.</para>
/// </summary>
[Cmdlet("Build", "X0Package", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(X0Package))]
public sealed class BuildX0PackageCommand : X0Cmdlet
{
    /// <summary>The project root (default: the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    /// <summary>Which packages to build (default: detected).</summary>
    [Parameter]
    [ValidateSet("Python", "PowerShell", "DotNet")]
    public string[]? Package { get; set; }

    /// <summary>The version to build and check against; binds from Step-X0Version. Default: the version in the project's files.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Version { get; set; }

    /// <summary>Warnings of the checks are errors, as twine check --strict (default: [tool.x0tta6bl4.packages] strict).</summary>
    [Parameter]
    public SwitchParameter Strict { get; set; }

    /// <summary>Where the files go (default: dist/).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    protected override void ProcessRecord()
    {
        var root = string.IsNullOrEmpty(Path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(Path);
        var request = new BuildPackagesRequest
        {
            Path = root,
            Ecosystems = Package is { Length: > 0 } ? Package.Select(p => Enum.Parse<PackageEcosystem>(p, ignoreCase: true)).ToArray() : null,
            OutputDirectory = OutputDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(OutputDirectory),
            Version = Version,
            PowerShell = PowerShellHostCommand(),
            Strict = MyInvocation.BoundParameters.ContainsKey(nameof(Strict)) ? Strict.IsPresent : null,
        };
        RunWorker(scope => RunAsync(scope, request));
    }

    private async Task RunAsync(WorkerScope scope, BuildPackagesRequest request)
    {
        scope.Run.Path = request.Path;
        var plan = await Task.Run(() => BuildPackages.Plan(request, scope.Context), scope.Cancellation).ConfigureAwait(false);
        scope.Run.Version = plan.Version;
        if (!await scope.ShouldProcessAsync(plan.OutputDirectory, $"Build and validate {plan.Description} from {plan.Commit[..12]}").ConfigureAwait(false))
        {
            scope.Run.Summary = $"planned: {plan.Description}";
            return;
        }
        var built = await BuildPackages.RunAsync(plan, request, scope.Context).ConfigureAwait(false);
        scope.Run.Summary = string.Join("; ", built.Select(p => $"{p.Name} {p.Version}: {p.Files.Count} file(s)"));
        var actions = GitHubActions.FromProcess();
        actions.SetOutput("packages", string.Join(" ", built.SelectMany(p => p.Files).Select(f => f.Path)));
        actions.AppendSummary("### Build-X0Package\n\n| package | version | file | sha256 |\n|---|---|---|---|\n" +
            string.Concat(built.SelectMany(p => p.Files.Select(f => $"| {p.Name} | {p.Version} | {f.Name} | `{f.Sha256}` |\n"))));
        foreach (var package in built)
        {
            scope.WriteObject(new X0Package
            {
                Ecosystem = package.Ecosystem.ToString(),
                Name = package.Name,
                Version = package.Version,
                Checks = package.Checks.ToArray(),
                Warnings = package.Warnings.ToArray(),
                Files = package.Files.Select(f => new X0PackageFile { Name = f.Name, Kind = f.Kind, Size = f.Size, Sha256 = f.Sha256, Path = f.Path }).ToArray(),
            });
        }
    }
}

using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Runs a project's quality gates — tests, lint, types, format, coverage — and returns them as one object.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "X0Test")]
[OutputType(typeof(X0TestRun))]
public sealed class InvokeX0TestCommand : X0Cmdlet
{
    /// <summary>Project or repository folder (default: the current location).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ProjectPath")]
    public string? Path { get; set; }

    [Parameter]
    [ValidateSet("Test", "Lint", "Type", "Format", IgnoreCase = true)]
    public string[]? Gate { get; set; }

    [Parameter]
    public SwitchParameter Strict { get; set; }

    /// <summary>Gates whose tool may be missing even under -Strict or in CI (added to optional_gates).</summary>
    [Parameter]
    [ValidateSet("Test", "Lint", "Type", "Format", "Coverage", "All", IgnoreCase = true)]
    public string[]? OptionalGate { get; set; }

    [Parameter]
    public SwitchParameter Sequential { get; set; }

    [Parameter]
    [PythonVersionTransformation]
    [ValidatePattern(@"^(py)?\d+\.\d+(\.\d+)?$")]
    public string[]? PythonVersion { get; set; }

    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double? CoverageThreshold { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; }

    protected override void ProcessRecord()
    {
        var root = ResolvePath(Path);
        var output = OutputDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(OutputDirectory);
        var strict = MyInvocation.BoundParameters.ContainsKey(nameof(Strict)) ? Strict.IsPresent : (bool?)null;
        var host = PowerShellHostCommand();
        RunWorker(scope => RunAsync(scope, root, output, strict, host));
    }

    private async Task RunAsync(WorkerScope scope, string root, string? output, bool? strict, string[]? host)
    {
        var request = new TestGateRequest
        {
            Path = root,
            Gates = Gate?.Select(g => Enum.Parse<GateKind>(g, ignoreCase: true)).ToList(),
            Strict = strict,
            OptionalGates = OptionalGate is null ? null : GateSettings.ParseGateNames(OptionalGate, "-OptionalGate").ToList(),
            Sequential = Sequential,
            MaxParallelism = ThrottleLimit > 0 ? ThrottleLimit : null,
            PythonVersions = PythonVersion,
            CoverageThreshold = CoverageThreshold,
            OutputDirectory = output,
            PowerShell = host is null ? null : new ToolCommand(host[0], host.Skip(1).ToArray()),
        };
        var result = await new TestGateRunner().RunAsync(request, scope.Context).ConfigureAwait(false);
        TestRunReport.PublishToActions(result, GitHubActions.FromProcess());
        scope.WriteObject(TestRunMapper.Map(result));
        foreach (var problem in result.Problems)
        {
            scope.WriteError(problem, problem.Target ?? root);
        }
    }

    private string ResolvePath(string? path) =>
        string.IsNullOrEmpty(path)
            ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
            : GetUnresolvedProviderPathFromPSPath(path);
}

/// <summary>
/// -PythonVersion 3.10,3.11 reaches the cmdlet as the numbers 3.1 and 3.11: a bare 3.1 can only mean 3.10
/// (Python 3.1 is long gone), so numbers are turned back into the version the user typed.
/// </summary>
internal sealed class PythonVersionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        static object One(object o)
        {
            if (o is PSObject ps) o = ps.BaseObject;
            return o switch
            {
                double d => Text(d.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                decimal m => Text(m.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                float f => Text(f.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => o,
            };
        }
        static string Text(string s) => s == "3.1" ? "3.10" : s;
        if (inputData is PSObject p) inputData = p.BaseObject;
        return inputData is object[] array ? array.Select(One).ToArray() : One(inputData);
    }
}

/// <summary>Core's run result → the pipeline's models.</summary>
internal static class TestRunMapper
{
    public static X0TestRun Map(TestRunResult r) => new()
    {
        Path = r.Path,
        ProjectKind = r.Projects.Select(p => p.Kind.ToString()).Distinct().ToArray(),
        Projects = r.Projects.Select(p => p.RelativePath).ToArray(),
        Succeeded = r.Succeeded,
        Status = r.Succeeded ? "Passed" : r.NothingRan ? "NothingRan" : "Failed",
        Passed = r.Tests.Passed,
        Failed = r.Tests.Failed,
        Skipped = r.Tests.Skipped,
        Errors = r.Tests.Errors,
        Duration = r.Duration,
        LineCoverage = r.Coverage?.LinePercent,
        BranchCoverage = r.Coverage?.BranchPercent,
        CoverageThreshold = r.CoverageThreshold,
        Gates = r.Gates.Select(g => new X0TestGate
        {
            Name = g.Gate.ToString(),
            Tool = g.Tool,
            Status = (X0GateStatus)(int)g.Status,
            Duration = g.Duration,
            ExitCode = g.ExitCode,
            Project = g.Project.RelativePath,
            ProjectKind = g.Project.Kind.ToString(),
            PythonVersion = g.Variant,
            Message = R(g.Message),
            InstallHint = g.InstallHint,
            Command = RN(g.Command),
            Output = RN(g.Output),
            Passed = g.Tests?.Passed,
            Failed = g.Tests?.Failed,
            Skipped = g.Tests?.Skipped,
            Errors = g.Tests?.Errors,
            LineCoverage = g.Coverage?.LinePercent,
            Diagnostics = g.Diagnostics.Select(Map).ToArray(),
        }).ToArray(),
        Failures = r.Failures.Select(f => new X0TestFailure
        {
            Suite = f.Suite,
            ClassName = f.ClassName,
            Test = f.Test,
            Message = R(f.Message),
            File = f.File,
            Line = f.Line,
            Output = RN(f.Output),
            Kind = f.IsError ? "Error" : "Failure",
            Tool = f.Tool,
            Duration = f.Duration,
        }).ToArray(),
        Diagnostics = r.Diagnostics.Select(Map).ToArray(),
        Artifacts = r.Artifacts.ToArray(),
    };

    // Tool output can echo anything, including a registered token: mask before it reaches the pipeline.
    private static string R(string s) => SecretRedactor.Redact(s);

    private static string? RN(string? s) => s is null ? null : SecretRedactor.Redact(s);

    private static X0Diagnostic Map(GateDiagnostic d) => new()
    {
        File = d.File,
        Line = d.Line,
        Column = d.Column,
        Code = d.Code,
        Message = R(d.Message),
        Severity = d.Severity.ToString(),
        Tool = d.Tool,
    };
}

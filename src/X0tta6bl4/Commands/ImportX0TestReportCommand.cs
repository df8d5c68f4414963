using System.Management.Automation;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Testing;
using X0tta6bl4.Models;

namespace X0tta6bl4.Commands;

/// <summary>
/// <para type="synopsis">Reads JUnit, TRX and Cobertura reports produced elsewhere (matrix jobs, other tools, other CI systems) into the object Invoke-X0Test returns.</para>
/// </summary>
[Cmdlet(VerbsData.Import, "X0TestReport", DefaultParameterSetName = PathSet)]
[OutputType(typeof(X0TestRun))]
public sealed class ImportX0TestReportCommand : X0Cmdlet
{
    private const string PathSet = "Path";
    private const string LiteralSet = "LiteralPath";
    private readonly List<string> _files = new();

    /// <summary>Report files; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Report files taken as written (binds from Get-ChildItem's output).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>Line coverage (percent) below which the run fails.</summary>
    [Parameter]
    [ValidateRange(0.0, 100.0)]
    public double? CoverageThreshold { get; set; }

    /// <summary>Where junit.xml, coverage.xml and test-report.md go (default: ./artifacts).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputDirectory { get; set; }

    protected override string RunKind => "Test";

    protected override void ProcessRecord()
    {
        if (ParameterSetName == LiteralSet)
        {
            _files.AddRange(LiteralPath.Select(p => GetUnresolvedProviderPathFromPSPath(p)));
            return;
        }
        foreach (var pattern in Path)
        {
            try
            {
                _files.AddRange(GetResolvedProviderPathFromPSPath(pattern, out _));
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "X0.ReportNotFound", ErrorCategory.ObjectNotFound, pattern));
            }
        }
    }

    protected override void EndProcessing()
    {
        var here = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var output = OutputDirectory is null ? System.IO.Path.Combine(here, "artifacts") : GetUnresolvedProviderPathFromPSPath(OutputDirectory);
        var files = _files.Where(f => !Directory.Exists(f)).ToList();
        RunWorker(async scope =>
        {
            scope.Run.Path = here;
            var result = await TestReportImport.ImportAsync(new TestReportImportRequest
            {
                Files = files,
                BasePath = here,
                CoverageThreshold = CoverageThreshold,
                OutputDirectory = output,
            }, scope.Context).ConfigureAwait(false);
            scope.Run.Summary = $"{result.Tests.Passed} passed, {result.Tests.Failed + result.Tests.Errors} failed from {files.Count} report(s)";
            TestRunReport.PublishToActions(result, GitHubActions.FromProcess());
            scope.WriteObject(TestRunMapper.Map(result));
            foreach (var problem in result.Problems)
            {
                scope.WriteError(problem, problem.Target ?? here);
            }
        });
    }
}

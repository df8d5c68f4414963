using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Testing.Reports;
using X0tta6bl4.Core.Testing.Tools;

namespace X0tta6bl4.Core.Testing;

/// <summary>
/// Runs the quality gates of every project under a path — tests, lint, types, format, coverage — and returns
/// one <see cref="TestRunResult"/>. Independent gates run in parallel (bounded by the cores); each tool's
/// output is captured on its own; reports are parsed into counts, failures and diagnostics; the merged
/// junit.xml, coverage.xml and a Markdown report are written to the output directory. Cancellation kills
/// every tool's whole process tree. Used by Invoke-X0Test, and by the release step before publishing.
/// </summary>
public sealed class TestGateRunner
{
    private const int ProgressRoot = 1;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    public const string JUnitFileName = "junit.xml";
    public const string CoverageFileName = "coverage.xml";
    public const string ReportFileName = "test-report.md";
    /// <summary>Subfolder of the output directory for the tools' own reports; emptied at the start of every run.</summary>
    public const string RawFolderName = "x0-raw";

    /// <summary>True when running in CI (CI=true or GITHUB_ACTIONS=true): NotAvailable gates then fail the run.</summary>
    public static bool IsCi(IReadOnlyDictionary<string, string?> env) =>
        IsTrue(env, "CI") || IsTrue(env, "GITHUB_ACTIONS") || IsTrue(env, "TF_BUILD");

    private static bool IsTrue(IReadOnlyDictionary<string, string?> env, string key) =>
        env.TryGetValue(key, out var v) && (string.Equals(v, "true", StringComparison.OrdinalIgnoreCase) || v == "1");

    public async Task<TestRunResult> RunAsync(TestGateRequest request, X0Context context)
    {
        var watch = Stopwatch.StartNew();
        var root = Path.GetFullPath(request.Path);
        var env = request.Environment ?? ProcessEnvironment.Snapshot();
        var strict = request.Strict ?? IsCi(env);
        var projects = ProjectDetector.Detect(root);
        context.Log.Verbose($"Projects: {string.Join(", ", projects)}");

        var outDir = Path.GetFullPath(request.OutputDirectory ?? Path.Combine(root, "artifacts"));
        var work = Path.Combine(outDir, RawFolderName);
        var previous = ReadTimings(Path.Combine(work, TimingsFileName));
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        var scripts = Path.Combine(Path.GetTempPath(), "x0-gates-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(scripts);

        try
        {
            var jobs = new List<GateJob>();
            var thresholds = new Dictionary<DetectedProject, double?>();
            var optionalFromConfig = new HashSet<GateKind>();
            foreach (var project in projects)
            {
                var settings = GateSettings.Load(project, root);
                optionalFromConfig.UnionWith(settings.OptionalGates);
                foreach (var w in settings.Warnings) context.Log.Warning(w);
                thresholds[project] = request.CoverageThreshold ?? settings.CoverageThreshold;
                jobs.AddRange(Plan(project, settings, request));
            }
            if (jobs.Count == 0)
            {
                context.Log.Warning($"None of the selected gates ({string.Join(", ", request.Gates ?? Array.Empty<GateKind>())}) applies to {string.Join(", ", projects)}: nothing was run.");
            }
            var slugs = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < jobs.Count; i++)
            {
                var j = jobs[i];
                var slug = SafeSlug($"{(j.Project.RelativePath == "." ? "root" : j.Project.RelativePath)}-{j.Result.Gate}-{j.Setting.Tool}{(j.Result.Variant is null ? string.Empty : "-py" + j.Result.Variant)}");
                while (!slugs.Add(slug)) slug += "-" + i.ToString(CultureInfo.InvariantCulture);
                j.Slug = slug;
                j.ProgressId = 10 + i;
                // Longest first: last run's duration when known, else the static guess per tool.
                if (previous.TryGetValue(slug, out var seconds)) j.ExpectedSeconds = seconds;
            }

            var ctx = new GateRunContext
            {
                Locator = new ToolLocator(env),
                RunRoot = root,
                WorkDirectory = work,
                ScriptDirectory = scripts,
                X0 = context,
                PowerShell = request.PowerShell,
                OnOutputLine = (job, line) => ReportLine(context, job, line),
            };
            await RunJobsAsync(jobs, ctx, request, context).ConfigureAwait(false);

            WriteTimings(Path.Combine(work, TimingsFileName), jobs);
            var gates = jobs.Select(j => j.Result).ToList();
            foreach (var project in projects)
            {
                // A project whose Test gate did not apply (a library next to its test project) has no coverage of its own.
                var projectTests = gates.Where(g => g.Project == project && g.Gate == GateKind.Test).ToList();
                if (thresholds[project] is { } threshold && Selected(request, GateKind.Test) && projectTests.Any(g => g.Status != GateStatus.Skipped))
                {
                    gates.Add(CoverageGate(project, threshold, gates, work));
                }
            }
            gates = gates
                .OrderBy(g => projects.ToList().IndexOf(g.Project))
                .ThenBy(g => (int)g.Gate)
                .ThenBy(g => g.Variant, StringComparer.Ordinal)
                .ToList();

            var optional = new HashSet<GateKind>(request.OptionalGates ?? Array.Empty<GateKind>());
            optional.UnionWith(optionalFromConfig);
            return await TestRunAssembler.AssembleAsync(new RunAssembly
            {
                Root = root,
                Projects = projects,
                Gates = gates,
                Digests = jobs.SelectMany(j => j.Digests).ToList(),
                CoverageReports = TestRunAssembler.CoverageOf(gates),
                CoverageThreshold = projects.Select(p => thresholds[p]).FirstOrDefault(t => t is not null),
                OutputDirectory = outDir,
                Strict = strict,
                InCi = IsCi(env),
                OptionalGates = optional,
                Duration = watch.Elapsed,
            }, context).ConfigureAwait(false);
        }
        finally
        {
            context.Progress.Report(new X0Progress("Invoke-X0Test", "Done", 100, ProgressRoot, Completed: true));
            try
            {
                Directory.Delete(scripts, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    private static bool Selected(TestGateRequest request, GateKind gate) =>
        request.Gates is null || request.Gates.Count == 0 || request.Gates.Contains(gate);

    private static IEnumerable<GateJob> Plan(DetectedProject project, GateSettings settings, TestGateRequest request)
    {
        foreach (var gate in new[] { GateKind.Test, GateKind.Lint, GateKind.Type, GateKind.Format })
        {
            if (!Selected(request, gate)) continue;
            foreach (var setting in settings.Tools.GetValueOrDefault(gate, Array.Empty<GateToolSetting>()))
            {
                var versions = request.PythonVersions is { Count: > 0 } v ? v : settings.PythonVersions;
                if (setting.Tool == "pytest" && versions is { Count: > 0 })
                {
                    foreach (var version in versions.Select(NormalizeVersion).Distinct())
                    {
                        yield return Create(project, gate, setting, settings, version);
                    }
                }
                else
                {
                    yield return Create(project, gate, setting, settings, null);
                }
            }
        }
    }

    private static string NormalizeVersion(string v)
    {
        var parts = v.Trim().TrimStart('p', 'y', 'P', 'Y').Split('.');
        return string.Join('.', parts.Take(2));
    }

    private static GateJob Create(DetectedProject project, GateKind gate, GateToolSetting setting, GateSettings settings, string? variant)
    {
        var result = new GateResult
        {
            Gate = gate,
            Project = project,
            Tool = DisplayTool(setting.Tool, gate),
            Variant = variant,
            Status = GateStatus.Skipped,
            Message = "not run",
        };
        return setting.Tool switch
        {
            "pytest" => new PytestJob(result, setting) { Weight = 40 },
            "flake8" => new Flake8Job(result, setting) { Weight = 20 },
            "mypy" => new MypyJob(result, setting) { Weight = 30 },
            "black" => new BlackJob(result, setting) { Weight = 10 },
            "ruff" => new RuffJob(result, setting) { Weight = 10 },
            "dotnet-test" => new DotNetTestJob(result, setting) { Weight = 50, ExclusiveKey = project.Target },
            "dotnet-format" => new DotNetFormatJob(result, setting) { Weight = 35, ExclusiveKey = project.Target },
            "pester" => new PesterJob(result, setting, settings.PesterPath, settings.PesterCoverage) { Weight = 45 },
            "psscriptanalyzer" => new ScriptAnalyzerJob(result, setting) { Weight = 25 },
            _ => throw new InvalidOperationException($"No gate runner for tool '{setting.Tool}'."),
        };
    }

    private static string DisplayTool(string tool, GateKind gate) => tool switch
    {
        "dotnet-test" => "dotnet test",
        "dotnet-format" => "dotnet format",
        "pester" => "Pester",
        "psscriptanalyzer" => "PSScriptAnalyzer",
        "ruff" when gate == GateKind.Format => "ruff format",
        _ => tool,
    };

    private static async Task RunJobsAsync(List<GateJob> jobs, GateRunContext ctx, TestGateRequest request, X0Context context)
    {
        var total = jobs.Count;
        var done = 0;
        var running = new ConcurrentDictionary<GateJob, byte>();
        void Overall()
        {
            var names = string.Join(", ", running.Keys.Select(j => j.Result.Tool).Distinct());
            context.Progress.Report(new X0Progress("Invoke-X0Test", $"{Volatile.Read(ref done)}/{total} gates done" + (names.Length > 0 ? $"; running {names}" : string.Empty),
                total == 0 ? 100 : Volatile.Read(ref done) * 100 / total, ProgressRoot));
        }

        async Task RunOne(GateJob job)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            running[job] = 0;
            Overall();
            context.Progress.Report(new X0Progress($"{job.Result.DisplayName}: {job.Result.Tool}", $"running in {job.Project.RelativePath}", -1, job.ProgressId, ProgressRoot));
            var watch = Stopwatch.StartNew();
            try
            {
                await job.RunAsync(ctx).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ctx.Cancellation.IsCancellationRequested)
            {
                throw;
            }
            catch (X0Exception ex)
            {
                job.Result.Status = GateStatus.Failed;
                job.Result.Message = ex.Message;
                job.Result.Problems.Add(ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                job.Result.Status = GateStatus.Failed;
                job.Result.Message = $"{job.Result.Tool} could not run: {ex.Message}";
            }
            finally
            {
                job.Result.Duration = watch.Elapsed;
                running.TryRemove(job, out _);
                Interlocked.Increment(ref done);
                context.Progress.Report(new X0Progress($"{job.Result.DisplayName}: {job.Result.Tool}", job.Result.Status.ToString(), 100, job.ProgressId, ProgressRoot, Completed: true));
                Overall();
                context.Log.Verbose($"{job.Result.DisplayName} [{job.Project.RelativePath}] {job.Result.Tool}: {job.Result.Status} in {job.Result.Duration.TotalSeconds:0.0}s — {FirstLine(job.Result.Message)}");
            }
        }

        var ordered = jobs.Select((j, i) => (j, i))
            .OrderByDescending(x => x.j.ExpectedSeconds ?? x.j.Weight / 10.0)
            .ThenBy(x => x.i)
            .Select(x => x.j)
            .ToList();
        if (request.Sequential)
        {
            foreach (var job in jobs) await RunOne(job).ConfigureAwait(false);
            return;
        }
        var parallel = Math.Max(1, request.MaxParallelism ?? Environment.ProcessorCount);
        using var slots = new SemaphoreSlim(parallel);
        var locks = new ConcurrentDictionary<string, SemaphoreSlim>(StringComparer.Ordinal);
        var tasks = ordered.Select(async job =>
        {
            var key = job.ExclusiveKey is null ? null : locks.GetOrAdd(job.ExclusiveKey, _ => new SemaphoreSlim(1));
            if (key is not null) await key.WaitAsync(ctx.Cancellation).ConfigureAwait(false);
            try
            {
                await slots.WaitAsync(ctx.Cancellation).ConfigureAwait(false);
                try
                {
                    await RunOne(job).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }
            finally
            {
                key?.Release();
            }
        }).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            foreach (var l in locks.Values) l.Dispose();
        }
    }

    private static void ReportLine(X0Context context, GateJob job, string line)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref job.LastProgressTicks);
        if (now - last < ProgressInterval.TotalSeconds * Stopwatch.Frequency) return;
        if (Interlocked.CompareExchange(ref job.LastProgressTicks, now, last) != last) return;
        // Mask before cutting: a cut through a secret leaves a prefix no mask matches any more.
        var text = SecretRedactor.Redact(line.Trim());
        if (text.Length == 0) return;
        if (text.Length > 120) text = text[..120] + "…";
        context.Progress.Report(new X0Progress($"{job.Result.DisplayName}: {job.Result.Tool}", $"running in {job.Project.RelativePath}", -1, job.ProgressId, ProgressRoot, CurrentOperation: text));
    }

    private const string TimingsFileName = "timings.json";

    private static Dictionary<string, double> ReadTimings(string path)
    {
        try
        {
            return File.Exists(path)
                ? System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) ?? new Dictionary<string, double>()
                : new Dictionary<string, double>();
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return new Dictionary<string, double>();
        }
    }

    private static void WriteTimings(string path, List<GateJob> jobs)
    {
        var timings = jobs.Where(j => j.Result.Status is GateStatus.Passed or GateStatus.Failed)
            .ToDictionary(j => j.Slug, j => Math.Round(j.Result.Duration.TotalSeconds, 3));
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(timings));
    }

    private static GateResult CoverageGate(DetectedProject project, double threshold, List<GateResult> gates, string work)
    {
        var tests = gates.Where(g => g.Project == project && g.Gate == GateKind.Test).ToList();
        var reports = tests.SelectMany(g => g.CoverageReports).Distinct().ToList();
        var gate = new GateResult
        {
            Gate = GateKind.Coverage,
            Project = project,
            Tool = project.Kind switch { ProjectKind.Python => "coverage.py", ProjectKind.DotNet => "coverlet", _ => "Pester" },
        };
        CoverageSummary? summary = null;
        try
        {
            summary = CoberturaReport.Combine(TestRunAssembler.CoverageOf(tests), project.Root,
                reports.Count > 1 ? Path.Combine(work, $"coverage-merged-{SafeSlug(project.RelativePath)}.xml") : null, _ => { });
        }
        catch (X0Exception ex) when (ex.ErrorId == ErrorIds.ReportMalformed)
        {
            gate.Problems.Add(ex);
        }
        gate.Coverage = summary;
        gate.Duration = TimeSpan.Zero;
        if (summary?.LinePercent is not { } percent)
        {
            gate.Status = GateStatus.NotAvailable;
            gate.Message = tests.Count == 0 ? "no Test gate ran, so nothing measured coverage" : "the Test gate measured no coverage";
            gate.InstallHint = project.Kind switch
            {
                ProjectKind.Python => "Install pytest-cov next to pytest (pip install pytest-cov; Debian/Ubuntu: apt-get install python3-pytest-cov)",
                ProjectKind.DotNet => "Add the coverlet.collector package to the test project",
                _ => "Pester measures the module's *.ps1/*.psm1 files; make sure the module has some",
            };
            return gate;
        }
        var text = $"line coverage {percent.ToString("0.##", CultureInfo.InvariantCulture)}% (threshold {threshold.ToString("0.##", CultureInfo.InvariantCulture)}%)";
        if (percent + 1e-9 >= threshold)
        {
            gate.Status = GateStatus.Passed;
            gate.Message = text;
        }
        else
        {
            gate.Status = GateStatus.Failed;
            gate.Message = $"line coverage {percent.ToString("0.##", CultureInfo.InvariantCulture)}% is below the threshold {threshold.ToString("0.##", CultureInfo.InvariantCulture)}%";
        }
        return gate;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return i < 0 ? s : s[..i];
    }

    private static string SafeSlug(string s)
    {
        var chars = s.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '.' ? ch : '_').ToArray();
        return new string(chars).Trim('.');
    }
}

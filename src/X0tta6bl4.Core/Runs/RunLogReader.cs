using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;

namespace X0tta6bl4.Core.Runs;

/// <summary>What to read from a run's logs.</summary>
public sealed record RunLogRequest(string Repository, long RunId, int? Attempt = null, string? Job = null, string? Step = null, bool FailedOnly = false);

/// <summary>
/// A run's log lines as objects: downloads the log archive, splits it per job and step, and keeps
/// the job/step names and conclusions from the jobs API. Archives with a folder per job and a file
/// per step (N_name.txt) are read as they are; archives with one file per job are split by the
/// steps' start and end times.
/// </summary>
public sealed class RunLogReader
{
    private static readonly Regex Stamp = new(@"^(?<t>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?(?<x>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex StepFile = new(@"^(?<n>\d+)_", RegexOptions.CultureInvariant);
    private readonly IWorkflowRuns _runs;

    public RunLogReader(IWorkflowRuns runs) => _runs = runs;

    public async Task<IReadOnlyList<RunLogLineRecord>> ReadAsync(RunLogRequest request, X0Context context)
    {
        var ct = context.Cancellation;
        var repo = GitHubRepositoryName.Parse(request.Repository);
        context.Progress.Report(new X0Progress("Get-X0RunLog", $"jobs of run {request.RunId}", 10));
        var run = request.Attempt is null ? await _runs.GetRunAsync(repo, request.RunId, null, ct).ConfigureAwait(false) : null;
        var attempt = request.Attempt ?? run!.Attempt;
        var jobs = await _runs.ListJobsAsync(repo, request.RunId, attempt, ct).ConfigureAwait(false);
        var selectedJobs = jobs.Where(j => Matches(request.Job, j.Name)).ToList();
        if (request.FailedOnly) selectedJobs = selectedJobs.Where(IsFailed).ToList();
        if (selectedJobs.Count == 0) return Array.Empty<RunLogLineRecord>();

        context.Progress.Report(new X0Progress("Get-X0RunLog", $"log archive of run {request.RunId}", 40));
        await using var stream = await _runs.DownloadLogArchiveAsync(repo, request.RunId, request.Attempt, ct).ConfigureAwait(false);
        var archive = Read(stream);
        context.Progress.Report(new X0Progress("Get-X0RunLog", "splitting per job and step", 80));

        var lines = new List<RunLogLineRecord>();
        for (var index = 0; index < jobs.Count; index++)
        {
            var job = jobs[index];
            if (!selectedJobs.Contains(job)) continue;
            var steps = job.Steps.Where(s => Matches(request.Step, s.Name)).ToList();
            var failedSteps = steps.Where(s => s.Conclusion is "failure" or "timed_out").ToList();
            if (request.FailedOnly && failedSteps.Count > 0) steps = failedSteps;
            var folder = archive.StepFiles.Keys.FirstOrDefault(k => SameName(k, job.Name));
            if (folder is not null)
            {
                var files = archive.StepFiles[folder];
                foreach (var step in steps)
                {
                    if (!files.TryGetValue(step.Number, out var text)) continue;
                    AddLines(lines, request, attempt, job, step, text);
                }
                continue;
            }
            // One file per job: "N_job name.txt"; split by the steps' time windows.
            var jobText = archive.JobFiles.FirstOrDefault(f => SameName(f.Name, job.Name)).Text;
            if (jobText is null)
            {
                context.Log.Warning($"The log archive of run {request.RunId} has no log for job '{job.Name}'.");
                continue;
            }
            var parsed = Parse(jobText).ToList();
            foreach (var step in steps)
            {
                var mine = parsed.Where(l => l.Time is { } t && step.StartedAt is { } s && t >= s.AddSeconds(-1)
                                             && (step.CompletedAt is not { } c || t <= c.AddSeconds(1))
                                             && OwnerOf(job, t) == step).ToList();
                var number = 0;
                foreach (var l in mine)
                {
                    lines.Add(new RunLogLineRecord(repo.FullName, request.RunId, attempt, job.Name, job.Id, step.Name, step.Number, step.Conclusion, ++number, l.Time, l.Text));
                }
            }
        }
        context.Progress.Report(new X0Progress("Get-X0RunLog", "done", 100, Completed: true));
        return lines;
    }

    private static RunStepRecord? OwnerOf(RunJobRecord job, DateTimeOffset t) =>
        job.Steps.LastOrDefault(s => s.StartedAt is { } start && t >= start.AddSeconds(-1)) ?? job.Steps.FirstOrDefault();

    private static void AddLines(List<RunLogLineRecord> lines, RunLogRequest request, int attempt, RunJobRecord job, RunStepRecord step, string text)
    {
        var number = 0;
        foreach (var (time, line) in Parse(text))
        {
            lines.Add(new RunLogLineRecord(request.Repository, request.RunId, attempt, job.Name, job.Id, step.Name, step.Number, step.Conclusion, ++number, time, line));
        }
    }

    private static bool IsFailed(RunJobRecord job) =>
        job.Conclusion is "failure" or "timed_out" || job.Steps.Any(s => s.Conclusion is "failure" or "timed_out");

    private static bool Matches(string? pattern, string name)
    {
        if (string.IsNullOrEmpty(pattern)) return true;
        var regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return Regex.IsMatch(name, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    /// <summary>The archive leaves characters that are not allowed in file names out of job and step names.</summary>
    internal static string SafeName(string name) => Regex.Replace(name, "[/\\\\:*?\"<>|]", "").Trim();

    private static bool SameName(string archiveName, string jobName) =>
        string.Equals(archiveName, jobName, StringComparison.Ordinal) || string.Equals(archiveName, SafeName(jobName), StringComparison.Ordinal);

    internal static IEnumerable<(DateTimeOffset? Time, string Text)> Parse(string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var all = text.Split('\n');
        var count = all.Length;
        if (count > 0 && all[^1].Length == 0) count--;
        for (var i = 0; i < count; i++)
        {
            var line = all[i].TrimEnd('\r');
            var m = Stamp.Match(line);
            if (m.Success && DateTimeOffset.TryParse(m.Groups["t"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            {
                yield return (t, m.Groups["x"].Value);
            }
            else
            {
                yield return (null, line);
            }
        }
    }

    internal sealed record Archive(Dictionary<string, Dictionary<int, string>> StepFiles, List<(string Name, string Text)> JobFiles);

    internal static Archive Read(Stream stream)
    {
        var steps = new Dictionary<string, Dictionary<int, string>>(StringComparer.Ordinal);
        var jobs = new List<(string, string)>();
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                string text;
                using (var reader = new StreamReader(entry.Open(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
                {
                    text = reader.ReadToEnd();
                }
                var slash = entry.FullName.LastIndexOf('/');
                if (slash > 0)
                {
                    var folder = entry.FullName[..slash];
                    var m = StepFile.Match(entry.Name);
                    if (!m.Success) continue;
                    if (!steps.TryGetValue(folder, out var map)) steps[folder] = map = new Dictionary<int, string>();
                    map[int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)] = text;
                }
                else
                {
                    var m = StepFile.Match(entry.Name);
                    var name = System.IO.Path.GetFileNameWithoutExtension(entry.Name);
                    jobs.Add((m.Success ? name[m.Length..] : name, text));
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new X0Exception(ErrorIds.RunLogUnavailable, X0ErrorCategory.InvalidData,
                "a zip archive of the run's logs", $"unreadable data ({ex.Message})", "Run again; report it if it persists", null, ex);
        }
        return new Archive(steps, jobs);
    }
}

using System.IO.Compression;
using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Runs;

namespace X0tta6bl4.Core.Tests.Runs;

public class RunLogReaderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A fake behind the Core-owned interface: jobs from the test, the archive from the test.</summary>
    private sealed class FakeRuns : IWorkflowRuns
    {
        public required IReadOnlyList<RunJobRecord> Jobs { get; init; }
        public required byte[] Archive { get; init; }
        public Task<WorkflowRunPage> ListRunsAsync(WorkflowRunListRequest request, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<RunRecord> GetRunAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation) =>
            Task.FromResult(new RunRecord { Id = runId, Repository = repository.FullName, Attempt = 2 });
        public Task<(RunRecord Run, bool NotModified)> PollRunAsync(GitHubRepositoryName repository, long runId, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<IReadOnlyList<WorkflowInfo>> ListWorkflowsAsync(GitHubRepositoryName repository, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<IReadOnlyList<RunJobRecord>> ListJobsAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation) => Task.FromResult(Jobs);
        public Task<Stream> DownloadLogArchiveAsync(GitHubRepositoryName repository, long runId, int? attempt, CancellationToken cancellation) => Task.FromResult<Stream>(new MemoryStream(Archive));
    }

    private static RunJobRecord Job(long id, string name, string conclusion, params (string Name, string Conclusion, int StartSecond, int EndSecond)[] steps) =>
        new(id, 7, 2, name, "completed", conclusion, T0, T0.AddMinutes(5), null, "runner",
            steps.Select((s, i) => new RunStepRecord(i + 1, s.Name, "completed", s.Conclusion, T0.AddSeconds(s.StartSecond), T0.AddSeconds(s.EndSecond))).ToList());

    private static string Stamp(int second, string text) => T0.AddSeconds(second).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture) + " " + text;

    private static byte[] Zip(params (string Name, string Text)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in entries)
            {
                using var s = zip.CreateEntry(name).Open();
                s.Write(Encoding.UTF8.GetPreamble());
                s.Write(Encoding.UTF8.GetBytes(text));
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public async Task Step_files_become_lines_with_job_step_number_time_and_text()
    {
        var runs = new FakeRuns
        {
            Jobs = new[]
            {
                Job(1, "build / lint", "success", ("Set up job", "success", 0, 2), ("Lint", "success", 2, 4)),
                Job(2, "test (3.12)", "failure", ("Set up job", "success", 0, 2), ("Run pytest", "failure", 2, 9), ("Post", "skipped", 9, 9)),
            },
            Archive = Zip(
                ("build  lint/1_Set up job.txt", Stamp(0, "setting up") + "\r\n"),
                ("build  lint/2_Lint.txt", Stamp(2, "0 errors") + "\r\n"),
                ("test (3.12)/1_Set up job.txt", Stamp(0, "setting up") + "\r\n"),
                ("test (3.12)/2_Run pytest.txt", Stamp(3, "collected 67 items") + "\r\n" + Stamp(8, "E   AssertionError: boom") + "\r\nno stamp here\r\n"),
                ("0_build  lint.txt", "ignored when step files exist"),
                ("1_test (3.12).txt", "ignored when step files exist")),
        };
        var lines = await new RunLogReader(runs).ReadAsync(new RunLogRequest("octo/a", 7, FailedOnly: true), X0Context.None);
        Assert.Equal(new[] { "collected 67 items", "E   AssertionError: boom", "no stamp here" }, lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(("test (3.12)", "Run pytest", 2, "failure", 2), (l.Job, l.Step!, l.StepNumber!.Value, l.StepConclusion!, l.Attempt)));
        Assert.Equal(new[] { 1, 2, 3 }, lines.Select(l => l.Line));
        Assert.Equal(T0.AddSeconds(8), lines[1].Time);
        Assert.Null(lines[2].Time);

        var lint = await new RunLogReader(runs).ReadAsync(new RunLogRequest("octo/a", 7, Job: "build*", Step: "Lint"), X0Context.None);
        Assert.Equal("0 errors", Assert.Single(lint).Text);
    }

    [Fact]
    public async Task A_job_only_archive_is_split_by_the_steps_times()
    {
        var runs = new FakeRuns
        {
            Jobs = new[] { Job(2, "test", "failure", ("Set up job", "success", 0, 2), ("Run pytest", "failure", 3, 9)) },
            Archive = Zip(("0_test.txt", string.Join("\n", Stamp(0, "setup a"), Stamp(1, "setup b"), Stamp(4, "pytest a"), Stamp(8, "pytest b")) + "\n")),
        };
        var all = await new RunLogReader(runs).ReadAsync(new RunLogRequest("octo/a", 7), X0Context.None);
        Assert.Equal(new[] { "Set up job", "Set up job", "Run pytest", "Run pytest" }, all.Select(l => l.Step));
        var failed = await new RunLogReader(runs).ReadAsync(new RunLogRequest("octo/a", 7, FailedOnly: true), X0Context.None);
        Assert.Equal(new[] { "pytest a", "pytest b" }, failed.Select(l => l.Text));
    }

    [Fact]
    public async Task A_broken_archive_is_an_error_that_says_so()
    {
        var runs = new FakeRuns { Jobs = new[] { Job(1, "a", "failure", ("s", "failure", 0, 1)) }, Archive = new byte[] { 1, 2, 3, 4 } };
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new RunLogReader(runs).ReadAsync(new RunLogRequest("octo/a", 7), X0Context.None));
        Assert.Equal(ErrorIds.RunLogUnavailable, ex.ErrorId);
    }
}

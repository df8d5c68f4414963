using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Git;
using X0tta6bl4.Core.Releasing;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Releasing;

public sealed class ReleaseRunnerTests : IDisposable
{
    private readonly GitRepoFixture _repo = new("runner");

    [Fact]
    public async Task A_secret_in_a_failure_or_a_detail_is_masked_on_the_step_result()
    {
        var secret = SecretRedactor.Register("ghp_runner_secret_" + Guid.NewGuid().ToString("N"));
        _repo.Write("pyproject.toml", "[project]\nname = \"demo\"\nversion = \"1.0.0\"\n").Commit("feat: demo");
        using var git = LibGit2Repository.Open(_repo.Root);
        var state = new ReleaseState(new ReleaseRequest { Path = _repo.Root }, ConfigLoader.Load(_repo.Root), git);
        var steps = new ReleaseStep[] { new Echo($"checked with {secret}", fail: false), new Echo($"GitHub said: bad token {secret}", fail: true) };

        var results = await ReleaseRunner.RunAsync(steps, state, X0Context.None, whatIf: false, (_, _) => Task.FromResult(true));

        Assert.Equal(new[] { StepStatus.Done, StepStatus.Failed }, results.Select(r => r.Status));
        Assert.All(results, r => Assert.DoesNotContain(secret, r.Detail));
        Assert.Contains(SecretRedactor.Mask, results[1].Detail);
    }

    public void Dispose() => _repo.Dispose();

    private sealed class Echo(string text, bool fail) : ReleaseStep
    {
        public override string Name => fail ? "Failing" : "Checking";

        public override Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context) =>
            fail ? throw new X0Exception("X0.Test", X0ErrorCategory.PermissionDenied, "a token", text, "none")
                 : Task.FromResult(StepPlan.Checked(text));

        public override Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context) => Task.FromResult(text);
    }
}

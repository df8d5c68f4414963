using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Containers;

public sealed class ProgressStreamTests
{
    [Fact]
    public void an_error_in_a_200_stream_fails_with_the_step_and_its_output()
    {
        var steps = new List<string>();
        var b = new BuildStreamInterpreter();
        b.StepStarted += (n, m, i) => steps.Add($"{n}/{m} {i}");
        foreach (var s in new[] { "Step 1/3 : FROM scratch\n", " ---> \n", "Step 2/3 : RUN ./tests.sh\n", " ---> Running in 0a1b\n", "test_loop FAILED\nassert 1 == 2", "\n" })
        {
            b.Accept(new EngineMessage(Stream: s));
        }
        b.Accept(new EngineMessage(Error: "The command '/bin/sh -c ./tests.sh' returned a non-zero code: 1"));
        var ex = Assert.Throws<X0Exception>(() => b.Complete("app"));
        Assert.Equal(ErrorIds.ImageBuildFailed, ex.ErrorId);
        Assert.Contains("step 2/3 'RUN ./tests.sh'", ex.Message);
        Assert.Contains("returned a non-zero code: 1", ex.Message);
        Assert.Contains("assert 1 == 2", ex.Message);
        Assert.Equal(new[] { "1/3 FROM scratch", "2/3 RUN ./tests.sh" }, steps);
    }

    [Fact]
    public void the_image_id_comes_from_aux_or_the_success_line()
    {
        var a = new BuildStreamInterpreter();
        a.Accept(new EngineMessage(AuxId: "sha256:abc"));
        Assert.Equal("sha256:abc", a.Complete("x"));
        var b = new BuildStreamInterpreter();
        b.Accept(new EngineMessage(Stream: "Successfully built 0123456789ab\n"));
        Assert.Equal("0123456789ab", b.Complete("x"));
        Assert.Throws<X0Exception>(() => new BuildStreamInterpreter().Complete("x"));
    }

    [Fact]
    public void push_errors_in_the_stream_are_failures_naming_the_registry_and_permission()
    {
        var repo = ImageRepository.Parse("ghcr.io/o/r");
        var p = new PushStreamInterpreter();
        p.Accept(new EngineMessage(Status: "Preparing", Id: "abc"));
        p.Accept(new EngineMessage(Error: "denied: permission_denied: write_package"));
        var ex = Assert.Throws<X0Exception>(() => p.Complete(repo, "v1", new RegistryCredential("me", "token-value-123", "GITHUB_TOKEN")));
        Assert.Equal(ErrorIds.RegistryPermissionDenied, ex.ErrorId);
        Assert.Contains("packages: write", ex.Fix);
        Assert.DoesNotContain("token-value-123", ex.Message);

        var auth = new PushStreamInterpreter();
        auth.Accept(new EngineMessage(Error: "unauthorized: authentication required"));
        Assert.Equal(ErrorIds.RegistryAuthenticationFailed, Assert.Throws<X0Exception>(() => auth.Complete(repo, "v1", null)).ErrorId);
    }

    [Fact]
    public void the_pushed_digest_comes_from_aux_or_the_status_line()
    {
        var repo = ImageRepository.Parse("127.0.0.1:5000/a");
        var p = new PushStreamInterpreter();
        p.Accept(new EngineMessage(Status: "v1: digest: sha256:" + new string('a', 64) + " size: 735"));
        Assert.Equal("sha256:" + new string('a', 64), p.Complete(repo, "v1", null));
    }

    [Fact]
    public void bearer_challenges_are_parsed()
    {
        var c = RegistryClient.ParseChallenge("realm=\"https://ghcr.io/token\",service=\"ghcr.io\",scope=\"repository:o/r:pull\"");
        Assert.Equal("https://ghcr.io/token", c["realm"]);
        Assert.Equal("ghcr.io", c["service"]);
        Assert.Equal("repository:o/r:pull", c["scope"]);
    }
}

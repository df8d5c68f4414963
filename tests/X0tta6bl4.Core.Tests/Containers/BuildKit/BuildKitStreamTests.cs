using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Containers.BuildKit;
using X0tta6bl4.Core.Containers.BuildKit.Protocol;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Containers.BuildKit;

public sealed class BuildKitStreamTests
{
    private static EngineMessage Trace(StatusResponse status) =>
        BuildKitClient.Parse($$"""{"id":"moby.buildkit.trace","aux":"{{Convert.ToBase64String(status.ToByteArray())}}"}""")!;

    private static Vertex Step(string digest, string name, bool started = true, bool completed = false, string error = "", bool cached = false) => new()
    {
        Digest = digest, Name = name, Cached = cached, Error = error,
        Started = started ? Timestamp.FromDateTime(DateTime.UtcNow) : null,
        Completed = completed ? Timestamp.FromDateTime(DateTime.UtcNow) : null,
    };

    private static VertexLog Log(string digest, string text) => new() { Vertex = digest, Msg = ByteString.CopyFromUtf8(text), Stream = 1 };

    [Fact]
    public void a_real_trace_line_of_docker_20_10_decodes()
    {
        // The first message of a build on Docker 20.10.24, as the engine wrote it.
        var line = """{"id":"moby.buildkit.trace","aux":"Cm8KR3NoYTI1NjpmMjEzZmNhZTkwZThiZjY5NTg4YWU4YmVhMDQ0Nzg2YzEwYTI4MmQ2ZTA5ZjM5M2EyZTFmYjkxMTU1MmNkOTE5GiRbaW50ZXJuYWxdIGxvYWQgcmVtb3RlIGJ1aWxkIGNvbnRleHQ="}""";
        var lines = new List<string>();
        var interpreter = new BuildKitStreamInterpreter(lines.Add);
        var message = BuildKitClient.Parse(line)!;
        var status = StatusResponse.Parser.ParseFrom(message.BuildKitTrace);
        Assert.Equal("[internal] load remote build context", status.Vertexes.Single().Name);
        Assert.StartsWith("sha256:f213fcae", status.Vertexes.Single().Digest);
        interpreter.Accept(message);
        Assert.Equal(new[] { "[internal] load remote build context" }, interpreter.StepNames);
    }

    [Fact]
    public void steps_progress_and_output_lines_become_events_and_the_image_id_is_kept()
    {
        var lines = new List<string>();
        var steps = new List<BuildKitStep>();
        var interpreter = new BuildKitStreamInterpreter(lines.Add);
        interpreter.StepStarted += steps.Add;
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:a", "[1/2] COPY busybox /bin/busybox", cached: true, completed: true) } }));
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:b", "[2/2] RUN make") } }));
        interpreter.Accept(Trace(new StatusResponse { Logs = { Log("sha256:b", "compiling\npartial "), Log("sha256:b", "line\n\u001b[31mred\u001b[0m\n") } }));
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:b", "[2/2] RUN make", completed: true) } }));
        interpreter.Accept(BuildKitClient.Parse("""{"id":"moby.image.id","aux":{"ID":"sha256:0e2b46"}}""")!);
        interpreter.Accept(BuildKitClient.Parse("""{"stream":"Successfully tagged exp:3\n"}""")!);

        Assert.Equal("sha256:0e2b46", interpreter.Complete("app"));
        Assert.Equal(new[] { 1, 2 }, steps.Select(s => s.Number));
        Assert.True(steps[0].Cached);
        Assert.Equal(1, interpreter.CachedSteps);
        Assert.Equal(new[] { "#1 [1/2] COPY busybox /bin/busybox (cached)", "#2 [2/2] RUN make", "#2 compiling", "#2 partial line", "#2 red", "Successfully tagged exp:3" }, lines);
    }

    [Fact]
    public void a_failed_step_is_named_with_its_last_lines_and_a_secret_it_echoed_is_masked()
    {
        var secret = SecretRedactor.Register("build-secret-9f8e7d6c5b");
        var interpreter = new BuildKitStreamInterpreter();
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:a", "[1/2] COPY . /src", completed: true) } }));
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:b", "[2/2] RUN ./test.sh") } }));
        interpreter.Accept(Trace(new StatusResponse { Logs = { Log("sha256:b", string.Concat(Enumerable.Range(1, 40).Select(i => $"line {i}\n")) + $"token was {secret}\n") } }));
        interpreter.Accept(Trace(new StatusResponse { Vertexes = { Step("sha256:b", "[2/2] RUN ./test.sh", completed: true, error: "executor failed running [/bin/sh -c ./test.sh]: exit code: 1") } }));
        interpreter.Accept(BuildKitClient.Parse("""{"errorDetail":{"message":"executor failed running [/bin/sh -c ./test.sh]: exit code: 1"},"error":"executor failed running [/bin/sh -c ./test.sh]: exit code: 1"}""")!);

        var ex = Assert.Throws<X0Exception>(() => interpreter.Complete("app"));
        Assert.Equal(ErrorIds.ImageBuildFailed, ex.ErrorId);
        Assert.Contains("step #2 '[2/2] RUN ./test.sh' failed: executor failed running [/bin/sh -c ./test.sh]: exit code: 1", ex.Message);
        Assert.Contains("  | line 40", ex.Message);
        Assert.DoesNotContain("  | line 15", ex.Message);   // only the tail
        Assert.DoesNotContain(secret, ex.Message);
        Assert.Contains("token was ***", ex.Message);
    }

    [Fact]
    public void the_build_query_carries_the_session_and_inline_cache_and_never_a_secret_value()
    {
        var spec = new ImageBuildSpec
        {
            Dockerfile = "Dockerfile", References = new[] { "r/app:1", "r/app:latest" }, Target = "prod", Platform = "linux/arm64",
            CacheFrom = new[] { "r/app:main" }, InlineCache = true, NetworkMode = "none",
            Secrets = new Dictionary<string, BuildSecret> { ["token"] = BuildSecret.FromValue("token", "v4lue-never-sent"u8.ToArray()) },
        };
        var query = BuildKitClient.Query(spec, "abc123");
        Assert.Contains("version=2", query);
        Assert.Contains("session=abc123", query);
        Assert.Contains("t=r%2Fapp%3A1&t=r%2Fapp%3Alatest", query);
        Assert.Contains("platform=linux%2Farm64", query);
        Assert.Contains("networkmode=none", query);
        Assert.Contains("cachefrom=" + Uri.EscapeDataString("[\"r/app:main\"]"), query);
        Assert.Contains(Uri.EscapeDataString("\"BUILDKIT_INLINE_CACHE\":\"1\""), query);
        Assert.DoesNotContain("v4lue", query);
        Assert.DoesNotContain("token", query);
    }
}

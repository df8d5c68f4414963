using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Containers.BuildKit;

/// <summary>
/// The plan on an engine without BuildKit (a Windows engine): the classic builder, said in a warning,
/// and a clear refusal of what only BuildKit can do. The engine is a stand-in behind the Core-owned
/// IImageEngine: no Windows engine runs here.
/// </summary>
public sealed class ClassicFallbackTests : IDisposable
{
    private readonly TempDirectory _dir = new("classic");

    public void Dispose() => _dir.Dispose();

    private sealed class WindowsEngine : IImageEngine
    {
        public Task<EngineInfo> ConnectAsync(CancellationToken cancellation) => Task.FromResult(
            new EngineInfo("npipe://./pipe/docker_engine", "20.10.24", "1.41", "windows", "amd64", "the windows engine has no BuildKit builder"));
        public Task BuildAsync(ImageBuildSpec spec, Stream context, Action<EngineMessage> onMessage, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<EngineImage?> InspectAsync(string reference, CancellationToken cancellation) => throw new NotSupportedException();
        public Task<Stream> ExportAsync(string reference, CancellationToken cancellation) => throw new NotSupportedException();
        public Task PushAsync(ImageRepository repository, string tag, RegistryCredential? credential, Action<EngineMessage> onMessage, CancellationToken cancellation) => throw new NotSupportedException();
        public void Dispose() { }
    }

    private BuildImageRequest Request(string dockerfile)
    {
        _dir.Write("Dockerfile", dockerfile);
        return new BuildImageRequest
        {
            Path = _dir.Root, Repository = "127.0.0.1:5000/x0/classic", Tags = new[] { "t" },
            Environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nowhere.sock", ["X0_SECRET"] = "value-of-the-secret" },
        };
    }

    [Fact]
    public async Task an_engine_without_buildkit_builds_with_the_classic_builder_and_says_so()
    {
        var log = new RecordingLog();
        var plan = await new BuildImage(_ => new WindowsEngine()).PlanAsync(Request("FROM scratch\nCOPY Dockerfile /\n"), log.Context);
        Assert.Equal(ImageBuilder.Classic, plan.Builder);
        Assert.Contains("WARNING: The engine has no BuildKit (the windows engine has no BuildKit builder): building with the classic builder.", log.Lines);
        Assert.Contains("classic builder: the windows engine has no BuildKit builder", plan.Describe());
    }

    [Fact]
    public async Task what_only_buildkit_can_do_is_refused_in_the_plan()
    {
        var op = new BuildImage(_ => new WindowsEngine());
        var mount = await Assert.ThrowsAsync<X0Exception>(() => op.PlanAsync(Request("FROM scratch\nRUN --mount=type=cache,target=/c true\n"), X0Context.None));
        Assert.Equal(ErrorIds.DockerfileSyntaxUnsupported, mount.ErrorId);
        Assert.Contains("line 2", mount.Message);

        var request = Request("FROM scratch\nCOPY Dockerfile /\n");
        var secret = await Assert.ThrowsAsync<X0Exception>(() => op.PlanAsync(request with
        {
            Secrets = new Dictionary<string, BuildSecret> { ["s"] = BuildSecret.FromEnvironment("s", "X0_SECRET", request.Environment) },
        }, X0Context.None));
        Assert.Equal(ErrorIds.ImagePlatformUnsupported, secret.ErrorId);
        Assert.Contains("build secrets", secret.Message);
        Assert.DoesNotContain("value-of-the-secret", secret.Message);
    }
}

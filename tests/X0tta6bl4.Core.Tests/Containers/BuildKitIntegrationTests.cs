using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Containers;

/// <summary>BuildKit builds through the Engine API against the real engine and registry the tests start.</summary>
[Collection(DockerCollection.Name)]
public sealed class BuildKitIntegrationTests : IDisposable
{
    private readonly DockerEnvironment _docker;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "x0-bk-" + Guid.NewGuid().ToString("N")[..8]);

    public BuildKitIntegrationTests(DockerEnvironment docker)
    {
        _docker = docker;
        Directory.CreateDirectory(_dir);
        File.Copy(docker.BusyboxPath is { Length: > 0 } b ? b : "/bin/busybox", Path.Combine(_dir, "busybox"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>Cache mount, secret mount, and the heredoc's content written the way Docker 20.10's frontend can.</summary>
    private const string ModernDockerfile = """
        FROM scratch
        COPY busybox /bin/busybox
        RUN ["/bin/busybox", "--install", "-s", "/bin"]
        RUN --mount=type=cache,target=/var/cache/x0 sh -c 'echo run >> /var/cache/x0/runs; wc -l < /var/cache/x0/runs > /cache-runs'
        RUN --mount=type=secret,id=token,required=true sh -c 'sha256sum /run/secrets/token | cut -c1-64 > /token.sha256'
        RUN printf 'hello from a heredoc-free line\n' > /greeting
        """;

    private string Repo(string name) => $"{_docker.Registry}/x0/{name}-{Guid.NewGuid().ToString("N")[..6]}";

    private BuildImageRequest Request(string repository, params (string, string?)[] env) => new()
    {
        Path = _dir,
        Repository = repository,
        Environment = _docker.Environment(env),
        Credential = new RegistryCredential(DockerEnvironment.User, DockerEnvironment.Password, "test"),
    };

    private void Dockerfile(string text) => File.WriteAllText(Path.Combine(_dir, "Dockerfile"), text);

    [Fact]
    public async Task cache_and_secret_mounts_build_and_push_with_the_digest_verified_and_the_secret_in_no_layer()
    {
        _docker.SkipIfUnavailable();
        Dockerfile(ModernDockerfile);
        var canary = "canary-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var repo = Repo("modern");
        var log = new RecordingLog();
        var op = new BuildImage();
        var request = Request(repo, ("X0_TEST_BUILD_TOKEN", canary)) with
        {
            Tags = new[] { "v1" },
            Push = true,
            // BuildKit's cache key of a secret-mount step leaves the secret out: run it for this canary.
            NoCache = true,
            Secrets = new Dictionary<string, BuildSecret> { ["token"] = BuildSecret.FromEnvironment("token", "X0_TEST_BUILD_TOKEN", _docker.Environment(("X0_TEST_BUILD_TOKEN", canary))) },
        };
        var plan = await op.PlanAsync(request, log.Context);
        Assert.Equal(ImageBuilder.BuildKit, plan.Builder);
        Assert.Contains("secret token from $X0_TEST_BUILD_TOKEN", plan.Describe());
        var image = await op.ExecuteAsync(plan, log.Context, push: true);

        Assert.True(image.Pushed);
        Assert.Equal(image.Digest, await RegistryDigestAsync(repo, "v1"));
        Assert.Contains(log.Lines, l => l.Contains("PROGRESS Build-X0Image: #", StringComparison.Ordinal) && l.Contains("RUN --mount=type=secret", StringComparison.Ordinal));
        Assert.Contains("The build asked for secret 'token'", log.All);

        // The secret reached the step (its digest is in the image) ...
        var files = ImageFiles(repo + ":v1");
        Assert.Equal(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canary))).ToLowerInvariant(), files["token.sha256"].Trim());
        Assert.Equal("1", files["cache-runs"].Trim());
        Assert.Equal("hello from a heredoc-free line", files["greeting"].Trim());
        // ... and nowhere else: no layer, no history entry, no config, no log line.
        AssertNoCanary(repo + ":v1", canary);
        Assert.DoesNotContain(canary, log.All);
    }

    [Fact]
    public async Task a_heredoc_on_docker_20_10_is_refused_before_the_build_naming_the_line_and_the_fix()
    {
        _docker.SkipIfUnavailable();
        Dockerfile("""
            FROM scratch
            COPY busybox /bin/busybox
            RUN <<EOT
            echo hello > /greeting
            EOT
            """);
        var version = _docker.Docker(_dir, null, "version", "--format", "{{.Server.Version}}").Output.Trim();
        var request = Request(Repo("heredoc")) with { Tags = new[] { "t" } };
        if (int.Parse(version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) >= DockerfileFeatures.HeredocEngineMajor)
        {
            var plan = await new BuildImage().PlanAsync(request, X0Context.None);
            var built = await new BuildImage().ExecuteAsync(plan, X0Context.None, push: false);
            Assert.NotNull(built.Id);
            return;
        }
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new BuildImage().PlanAsync(request, X0Context.None));
        Assert.Equal(ErrorIds.DockerfileSyntaxUnsupported, ex.ErrorId);
        Assert.Contains("line 3 (RUN <<EOT)", ex.Message);
        Assert.Contains("# syntax=docker/dockerfile:1", ex.Fix);

        // What the engine itself says, for comparison: a parse error about the heredoc's body.
        var (code, output) = _docker.Docker(_dir, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" }, "build", "--network", "none", "-q", ".");
        Assert.NotEqual(0, code);
        Assert.Contains("unknown instruction: ECHO", output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task a_failing_step_is_an_error_naming_the_step_with_its_last_output_lines()
    {
        _docker.SkipIfUnavailable();
        Dockerfile("""
            FROM scratch
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "sh", "-c", "echo running the checks; echo 'assertion failed: expected 2, got 3' >&2; exit 3"]
            """);
        var op = new BuildImage();
        var log = new RecordingLog();
        var plan = await op.PlanAsync(Request(Repo("fail")) with { Tags = new[] { "t" } }, log.Context);
        var ex = await Assert.ThrowsAsync<X0Exception>(() => op.ExecuteAsync(plan, log.Context, push: false));
        Assert.Equal(ErrorIds.ImageBuildFailed, ex.ErrorId);
        Assert.Contains("[2/2] RUN [\"/bin/busybox\"", ex.Message);
        Assert.Contains("exit code: 3", ex.Message);
        Assert.Contains("  | running the checks", ex.Message);
        Assert.Contains("  | assertion failed: expected 2, got 3", ex.Message);
        Assert.DoesNotContain("\u001b[", ex.Message);
    }

    [Fact]
    public async Task a_missing_secret_is_refused_in_the_plan()
    {
        _docker.SkipIfUnavailable();
        Dockerfile(ModernDockerfile);
        var request = Request(Repo("nosecret")) with
        {
            Tags = new[] { "t" },
            Secrets = new Dictionary<string, BuildSecret> { ["token"] = BuildSecret.FromEnvironment("token", "X0_NOT_SET_ANYWHERE", _docker.Environment()) },
        };
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new BuildImage().PlanAsync(request, X0Context.None));
        Assert.Equal(ErrorIds.ImageSecretMissing, ex.ErrorId);
        Assert.Contains("X0_NOT_SET_ANYWHERE", ex.Message);
    }

    [Fact]
    public async Task a_rebuild_on_a_clean_engine_reuses_the_pushed_layers_through_the_inline_cache()
    {
        _docker.SkipIfUnavailable();
        Dockerfile("""
            FROM scratch
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox cat /proc/sys/kernel/random/uuid > /stamp"]
            """);
        var repo = Repo("cache");
        var op = new BuildImage();
        var first = await op.ExecuteAsync(await op.PlanAsync(Request(repo) with { Tags = new[] { "main" }, Push = true, InlineCache = true }, X0Context.None), X0Context.None, push: true);
        var layers = Layers(repo + ":main");

        // A CI runner starts empty: no image, no build cache.
        Docker("image", "rm", "-f", first.Id!);
        Docker("builder", "prune", "-af");

        var log = new RecordingLog();
        var plan = await op.PlanAsync(Request(repo) with { Tags = new[] { "main" }, Push = true, CacheFrom = new[] { "self" }, InlineCache = true }, log.Context);
        Assert.Equal(new[] { repo + ":main" }, plan.CacheFrom);
        var second = await op.ExecuteAsync(plan, log.Context, push: true);
        Assert.Equal(layers, Layers(repo + ":main"));
        Assert.Contains("(cached)", log.All);
        Assert.Equal(second.Digest, await RegistryDigestAsync(repo, "main"));
    }

    [Fact]
    public async Task two_platforms_become_one_manifest_list_in_the_registry_and_the_engine_pulls_each()
    {
        _docker.SkipIfUnavailable();
        Dockerfile("FROM scratch\nCOPY busybox /bin/busybox\nLABEL team=sre\n");
        var repo = Repo("multi");
        var log = new RecordingLog();
        var op = new BuildImage();
        // A fixed creation time, so that a re-run builds the very same list.
        var plan = await op.PlanAsync(Request(repo, ("SOURCE_DATE_EPOCH", "1700000000")) with { Tags = new[] { "1.0", "latest" }, Push = true, Platforms = new[] { "linux/amd64", "linux/arm64" } }, log.Context);
        var image = await op.ExecuteAsync(plan, log.Context, push: true);

        Assert.Equal(new[] { "linux/amd64", "linux/arm64" }, image.Platforms);
        Assert.Equal(image.Digest, await RegistryDigestAsync(repo, "1.0"));
        Assert.Equal(image.Digest, await RegistryDigestAsync(repo, "latest"));
        using var registry = new RegistryClient(new RegistryCredential(DockerEnvironment.User, DockerEnvironment.Password, "test"));
        var list = await registry.GetManifestAsync(ImageRepository.Parse(repo), "1.0", TestContext.Current.CancellationToken);
        Assert.Equal(MultiPlatformImage.ListMediaType, list!.MediaType);
        using var json = System.Text.Json.JsonDocument.Parse(list.Content);
        Assert.Equal(new[] { "amd64", "arm64" }, json.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("architecture").GetString()));

        // The engine itself accepts what was published: each platform pulls, with its layers checked against the config.
        Docker("login", "-u", DockerEnvironment.User, "-p", DockerEnvironment.Password, _docker.Registry);
        foreach (var arch in new[] { "arm64", "amd64" })
        {
            Docker("pull", "--platform", "linux/" + arch, repo + ":1.0");
            Assert.Equal(arch, Docker("image", "inspect", "--format", "{{.Architecture}}", repo + ":1.0").Trim());
            Assert.Equal("sre", Docker("image", "inspect", "--format", "{{index .Config.Labels \"team\"}}", repo + ":1.0").Trim());
            Docker("image", "rm", repo + ":1.0");
        }
        // A re-run finds both tags already naming the list.
        var again = await op.ExecuteAsync(await op.PlanAsync(Request(repo, ("SOURCE_DATE_EPOCH", "1700000000")) with { Tags = new[] { "1.0", "latest" }, Push = true, Platforms = new[] { "linux/amd64", "linux/arm64" } }, log.Context), log.Context, push: true);
        Assert.Equal(image.Digest, again.Digest);
        Assert.All(again.TagOutcomes, o => Assert.Equal(TagState.AlreadyDone, o.Before));
    }

    [Fact]
    public async Task a_run_step_the_engine_cannot_execute_for_a_platform_says_emulation_is_missing()
    {
        _docker.SkipIfUnavailable();
        // The ELF header of an AArch64 executable: the kernel refuses it on another architecture without binfmt_misc.
        var elf = new byte[64];
        new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.CopyTo(elf, 0);
        elf[16] = 2;      // ET_EXEC
        elf[18] = 183;    // EM_AARCH64
        elf[20] = 1;      // EV_CURRENT
        var fake = Path.Combine(_dir, "arm-tool");
        File.WriteAllBytes(fake, elf);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Dockerfile("FROM scratch\nCOPY arm-tool /arm-tool\nRUN [\"/arm-tool\"]\n");
        var machine = _docker.Docker(_dir, null, "version", "--format", "{{.Server.Arch}}").Output.Trim();
        if (machine == "arm64" || File.Exists("/proc/sys/fs/binfmt_misc/qemu-aarch64")) Assert.Skip("this engine can run AArch64 programs");

        var op = new BuildImage();
        var plan = await op.PlanAsync(Request(Repo("emulation")) with { Tags = new[] { "t" }, Platforms = new[] { "linux/arm64" } }, X0Context.None);
        var ex = await Assert.ThrowsAsync<X0Exception>(() => op.ExecuteAsync(plan, X0Context.None, push: false));
        Assert.Equal(ErrorIds.ImagePlatformUnsupported, ex.ErrorId);
        Assert.Contains("exec format error", ex.Message);
        Assert.Contains("qemu-user-static", ex.Fix);
        Assert.Contains("linux/arm64", ex.Expected);
    }

    [Fact]
    public async Task several_platforms_without_push_are_a_plain_error_in_the_plan()
    {
        _docker.SkipIfUnavailable();
        Dockerfile("FROM scratch\nCOPY busybox /bin/busybox\n");
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new BuildImage().PlanAsync(
            Request(Repo("multi-nopush")) with { Tags = new[] { "t" }, Platforms = new[] { "linux/amd64", "linux/arm64" } }, X0Context.None));
        Assert.Equal(ErrorIds.ImagePlatformUnsupported, ex.ErrorId);
        Assert.Contains("-Push", ex.Message);
    }

    private string Docker(params string[] args)
    {
        var (code, output) = _docker.Docker(_dir, null, args);
        Assert.True(code == 0, $"docker {string.Join(' ', args)}: {output}");
        return output;
    }

    private string Layers(string reference) => Docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", reference).Trim();

    /// <summary>The image's files (last writer wins), read from docker save's layer tarballs.</summary>
    private Dictionary<string, string> ImageFiles(string reference)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, layer) in SavedBlobs(reference).Where(b => b.Name.EndsWith("layer.tar", StringComparison.Ordinal)))
        {
            using var reader = new TarReader(new MemoryStream(layer));
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.EntryType != TarEntryType.RegularFile || entry.DataStream is null || entry.Length > 1 << 20) continue;
                using var text = new StreamReader(entry.DataStream);
                files[entry.Name.TrimStart('.', '/')] = text.ReadToEnd();
            }
        }
        return files;
    }

    private void AssertNoCanary(string reference, string canary)
    {
        var needles = new[] { Encoding.UTF8.GetBytes(canary), Encoding.Unicode.GetBytes(canary), Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(canary))) };
        var blobs = SavedBlobs(reference);
        Assert.Contains(blobs, b => b.Name.EndsWith("layer.tar", StringComparison.Ordinal));
        foreach (var (name, bytes) in blobs)
        {
            foreach (var needle in needles) Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"the secret is in {name} of docker save");
        }
        var history = Docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", reference);
        Assert.DoesNotContain(canary, history);
        Assert.DoesNotContain(canary, Docker("image", "inspect", reference));
    }

    /// <summary>Every file of docker save (manifest, config, each layer.tar), by name.</summary>
    private List<(string Name, byte[] Bytes)> SavedBlobs(string reference)
    {
        var tar = Path.Combine(_dir, "saved-" + Guid.NewGuid().ToString("N")[..6] + ".tar");
        Docker("save", "-o", tar, reference);
        var blobs = new List<(string, byte[])>();
        using (var reader = new TarReader(File.OpenRead(tar)))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null) continue;
                using var copy = new MemoryStream();
                entry.DataStream.CopyTo(copy);
                blobs.Add((entry.Name, copy.ToArray()));
            }
        }
        File.Delete(tar);
        return blobs;
    }

    private async Task<string?> RegistryDigestAsync(string repository, string tag)
    {
        var (registry, path) = (repository[..repository.IndexOf('/')], repository[(repository.IndexOf('/') + 1)..]);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, $"http://{registry}/v2/{path}/manifests/{tag}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DockerEnvironment.User}:{DockerEnvironment.Password}")));
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd(MultiPlatformImage.ListMediaType);
        using var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode && response.Headers.TryGetValues("Docker-Content-Digest", out var d) ? d.First() : null;
    }
}

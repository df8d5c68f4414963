using System.Net;
using System.Net.Http.Headers;
using System.Text;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.Containers;

/// <summary>A log and progress sink that keeps everything, to prove what was (and was not) said.</summary>
internal sealed class RecordingLog : IX0Log, IProgress<X0Progress>
{
    private readonly List<string> _lines = new();
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public string All => string.Join("\n", Lines);
    private void Add(string s) { lock (_lines) _lines.Add(s); }
    public void Verbose(string message) => Add(SecretRedactor.Redact(message));
    public void Debug(string message) => Add(SecretRedactor.Redact(message));
    public void Warning(string message) => Add("WARNING: " + SecretRedactor.Redact(message));
    public void Information(string message) => Add(SecretRedactor.Redact(message));
    public void Report(X0Progress value) => Add($"PROGRESS {value.Activity}: {SecretRedactor.Redact(value.Status)}");
    public X0Context Context => new(this, this);
}

[Collection(DockerCollection.Name)]
public sealed class ImageIntegrationTests : IDisposable
{
    private readonly DockerEnvironment _docker;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "x0-img-" + Guid.NewGuid().ToString("N")[..8]);

    public ImageIntegrationTests(DockerEnvironment docker)
    {
        _docker = docker;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Repo(string name) => $"{_docker.Registry}/x0/{name}-{Guid.NewGuid().ToString("N")[..6]}";

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private void MultiStageFixture()
    {
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "busybox"));
        Write("src/app.txt", "hello from the app\n");
        Write("Dockerfile", """
            FROM scratch AS dev
            COPY busybox /bin/busybox
            COPY src /app/src
            RUN ["/bin/busybox", "sh", "-c", "/bin/busybox echo dev-stage-ran && /bin/busybox cp /app/src/app.txt /app/built.txt"]

            FROM scratch AS prod
            COPY --from=dev /bin/busybox /bin/busybox
            COPY --from=dev /app/built.txt /app/built.txt
            """);
        Write("pyproject.toml", """
            [project]
            name = "fixture-app"
            version = "1.4.0"
            description = "Image fixture"
            license = "MIT"
            """);
    }

    private BuildImageRequest Request(params (string, string?)[] env) => new()
    {
        Path = _dir,
        Environment = _docker.Environment(env),
    };

    [Fact]
    public async Task builds_dev_and_prod_stages_with_policy_tags_and_oci_labels()
    {
        _docker.SkipIfUnavailable();
        MultiStageFixture();
        var repo = Repo("stages");
        var log = new RecordingLog();
        var op = new BuildImage();

        var devPlan = await op.PlanAsync(Request() with { Repository = repo, Target = "dev", Version = "1.4.0" }, log.Context);
        // API version negotiation: min(what the daemon speaks, what the adapter knows).
        var (_, daemonApi) = _docker.Docker(_dir, null, "version", "--format", "{{.Server.APIVersion}}");
        var expectedApi = Version.Parse(daemonApi.Trim()) < DockerImageEngine.MaxApiVersion ? Version.Parse(daemonApi.Trim()) : DockerImageEngine.MaxApiVersion;
        Assert.Equal(expectedApi.ToString(), devPlan.Engine!.ApiVersion);
        Assert.Equal(new[] { "1.4.0", "v1.4.0", "1.4", "1", "latest" }, devPlan.Tags.Names);
        var dev = await op.ExecuteAsync(devPlan, log.Context, push: false);
        Assert.False(dev.Pushed);
        Assert.Equal("1.4.0", dev.Labels["org.opencontainers.image.version"]);
        Assert.Equal("fixture-app", dev.Labels["org.opencontainers.image.title"]);
        Assert.Equal("MIT", dev.Labels["org.opencontainers.image.licenses"]);
        Assert.Contains("dev-stage-ran", log.All);
        Assert.Contains(log.Lines, l => l.StartsWith("PROGRESS Build-X0Image: #", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(l, @"\[dev \d/\d\] RUN \["));

        var prodPlan = await op.PlanAsync(Request() with { Repository = repo, Target = "prod", Version = "1.4.0" }, log.Context);
        Assert.Equal(new[] { "prod-v1.4.0" }, prodPlan.Tags.Names);
        var prod = await op.ExecuteAsync(prodPlan, log.Context, push: false);
        Assert.NotEqual(dev.Id, prod.Id);
        Assert.True(prod.Size < dev.Size, "the prod stage carries only the built file and busybox");
        var (code, output) = _docker.Docker(_dir, null, "run", "--rm", "--network", "none", repo + ":prod-v1.4.0", "/bin/busybox", "cat", "/app/built.txt");
        Assert.True(code == 0, output);
        Assert.Contains("hello from the app", output);
    }

    [Fact]
    public async Task a_failing_run_step_is_a_failure_with_the_step_and_its_output()
    {
        _docker.SkipIfUnavailable();
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "busybox"));
        Write("Dockerfile", """
            FROM scratch
            COPY busybox /bin/busybox
            RUN ["/bin/busybox", "sh", "-c", "echo running the checks; echo 'assertion failed: expected 2, got 3' >&2; exit 3"]
            """);
        var op = new BuildImage();
        var plan = await op.PlanAsync(Request() with { Repository = Repo("fail"), Tags = new[] { "t" } }, X0Context.None);
        var ex = await Assert.ThrowsAsync<X0Exception>(() => op.ExecuteAsync(plan, X0Context.None, push: false));
        Assert.Equal(ErrorIds.ImageBuildFailed, ex.ErrorId);
        Assert.Contains("[2/2] RUN [", ex.Message);
        Assert.Contains("exit code: 3", ex.Message);
        Assert.Contains("  | assertion failed: expected 2, got 3", ex.Message);
        Assert.DoesNotContain("\u001b[", ex.Message);
    }

    [Fact]
    public async Task a_daemon_that_is_not_running_is_a_clear_error()
    {
        Write("Dockerfile", "FROM scratch\n");
        var socket = Path.Combine(_dir, "no-daemon.sock");
        var request = new BuildImageRequest
        {
            Path = _dir,
            Repository = "127.0.0.1:1/x/y",
            Tags = new[] { "t" },
            Environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix://" + socket },
        };
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new BuildImage().PlanAsync(request, X0Context.None));
        Assert.Equal(ErrorIds.DockerUnavailable, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.ConnectionError, ex.Category);
        Assert.Contains("unix://" + socket, ex.Message);
        Assert.Contains("no daemon running there", ex.Message);
        Assert.Contains("DOCKER_HOST", ex.Message);
    }

    [Fact]
    public async Task pushes_with_auth_and_verifies_the_digest_of_every_tag_and_a_rerun_changes_nothing()
    {
        _docker.SkipIfUnavailable();
        MultiStageFixture();
        var repo = Repo("push");
        var credential = new RegistryCredential(DockerEnvironment.User, DockerEnvironment.Password, "-Credential");
        var op = new BuildImage();
        var log = new RecordingLog();
        // SOURCE_DATE_EPOCH pins org.opencontainers.image.created, so a rebuild is the same image.
        var request = Request(("SOURCE_DATE_EPOCH", "1700000000")) with { Repository = repo, Target = "prod", Tags = new[] { "a", "b" }, Push = true, Credential = credential };
        var plan = await op.PlanAsync(request, log.Context);
        Assert.All(plan.Registry!.Tags, t => Assert.Equal(TagState.Missing, t.State));
        var result = await op.ExecuteAsync(plan, log.Context, push: true);
        Assert.True(result.Pushed);
        Assert.Matches("^sha256:[0-9a-f]{64}$", result.Digest);
        foreach (var tag in new[] { "a", "b" })
        {
            Assert.Equal(result.Digest, await ManifestDigest(repo, tag));
        }
        Assert.DoesNotContain(DockerEnvironment.Password, log.All);

        // Reconcile-then-act: same image, same tags → nothing pushed.
        var again = await op.ExecuteAsync(await op.PlanAsync(request, log.Context), log.Context, push: true);
        Assert.Equal(result.Digest, again.Digest);
        Assert.Equal("2023-11-14T22:13:20Z", again.Labels["org.opencontainers.image.created"]);
        Assert.All(again.TagOutcomes, o => Assert.Equal(TagState.AlreadyDone, o.Before));

        // Promote by digest, without building.
        var promoted = await op.ExecuteAsync(await op.PlanAsync(Request() with { Repository = repo, Promote = true, Digest = result.Digest, Tags = new[] { "stable", "a" }, Credential = credential }, log.Context), log.Context, push: true);
        Assert.Equal(result.Digest, await ManifestDigest(repo, "stable"));
        Assert.Equal(new[] { TagState.Missing, TagState.AlreadyDone }, promoted.TagOutcomes.Select(o => o.Before));
        Assert.Equal(result.Id, promoted.Id);
    }

    [Fact]
    public async Task pull_refreshes_a_private_base_image_with_the_registry_credentials()
    {
        _docker.SkipIfUnavailable();
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "busybox"));
        Write("Dockerfile", "FROM scratch\nCOPY busybox /bin/busybox\n");
        var baseRepo = Repo("base");
        var credential = new RegistryCredential(DockerEnvironment.User, DockerEnvironment.Password, "-Credential");
        var op = new BuildImage();
        await op.ExecuteAsync(await op.PlanAsync(Request() with { Repository = baseRepo, Tags = new[] { "1" }, Push = true, Credential = credential }, X0Context.None), X0Context.None, push: true);

        Write("Dockerfile", $"FROM {baseRepo}:1\nRUN [\"/bin/busybox\", \"echo\", \"on-the-private-base\"]\n");
        var log = new RecordingLog();
        var plan = await op.PlanAsync(Request() with { Repository = Repo("derived"), Tags = new[] { "t" }, Pull = true, Credential = credential }, log.Context);
        await op.ExecuteAsync(plan, log.Context, push: false);
        // BuildKit resolves the base through the registry and asks the build session for its credentials.
        Assert.Contains($"load metadata for {baseRepo}:1", log.All);
        Assert.Contains($"The build asked for credentials for {_docker.Registry}", log.All);
        Assert.Contains("on-the-private-base", log.All);
    }

    [Fact]
    public async Task a_wrong_password_names_the_registry_and_never_echoes_the_secret()
    {
        _docker.SkipIfUnavailable();
        MultiStageFixture();
        const string wrong = "wrong-Pa55word-canary-0042";
        var log = new RecordingLog();
        var request = Request() with
        {
            Repository = Repo("auth"),
            Tags = new[] { "t" },
            Push = true,
            Credential = new RegistryCredential(DockerEnvironment.User, wrong, "-Credential"),
        };
        var ex = await Assert.ThrowsAsync<X0Exception>(() => new BuildImage().PlanAsync(request, log.Context));
        Assert.Equal(ErrorIds.RegistryAuthenticationFailed, ex.ErrorId);
        Assert.Contains(_docker.Registry, ex.Message);
        Assert.Contains(DockerEnvironment.User, ex.Message);
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(DockerEnvironment.User + ":" + wrong));
        foreach (var text in new[] { ex.ToString(), log.All })
        {
            Assert.DoesNotContain(wrong, text);
            Assert.DoesNotContain(basic, text);
        }
    }

    [Fact]
    public async Task the_context_the_daemon_receives_is_the_same_as_with_the_docker_cli()
    {
        _docker.SkipIfUnavailable();
        ParityFixture();
        var cli = await CompareWithCli();
        // The fixture's intent, so that parity cannot pass on two empty or trivial listings.
        Assert.Contains("./build/keep.txt|644|regular file", cli);
        Assert.Contains("./app/link|777|symbolic link", cli);
        Assert.Contains("./logs/deep.log|644|regular file", cli);
        Assert.Contains("./tools/run.sh|750|regular file", cli);
        Assert.DoesNotContain(cli, l => l.StartsWith("./Dockerfile|", StringComparison.Ordinal) || l.StartsWith("./secrets", StringComparison.Ordinal) || l.Contains("__pycache__"));
    }

    [Fact]
    public async Task a_dockerfile_outside_the_context_builds_like_the_cli()
    {
        _docker.SkipIfUnavailable();
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "busybox"));
        Write("ctx/hello.txt", "hi\n");
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "ctx", "busybox"));
        Write("docker/prod.Dockerfile", """
            FROM scratch
            COPY . /ctx/
            RUN ["/ctx/busybox", "sh", "-c", "cd /ctx && echo LISTING-BEGIN && /ctx/busybox find . | /ctx/busybox sort && echo LISTING-END"]
            """);
        var log = new RecordingLog();
        var op = new BuildImage();
        var plan = await op.PlanAsync(Request() with { Repository = Repo("outside"), Tags = new[] { "t" }, Context = "ctx", Dockerfile = "docker/prod.Dockerfile", NoCache = true }, log.Context);
        Assert.True(plan.Context!.DockerfileOutsideContext);
        await op.ExecuteAsync(plan, log.Context, push: false);
        var listing = Between(log.Lines);
        // BuildKit reads the Dockerfile from the tar, so an outside one travels under a generated name.
        Assert.Equal(3, listing.Count(l => l is "." or "./busybox" or "./hello.txt"));
        Assert.Single(listing, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\./\.dockerfile\.[0-9a-f]{20}$"));
        Assert.Equal(4, listing.Count);
    }

    [Fact]
    public async Task an_allow_list_dockerignore_selects_the_same_files_as_the_docker_cli()
    {
        _docker.SkipIfUnavailable();
        ParityDockerfile();
        Write(".dockerignore", "*\n!src/**/*.py\n!busybox\n!top.py   \n");
        foreach (var f in new[] { "src/a.py", "src/sub/b.py", "src/sub/c.txt", "src/sub/deeper/d.py", "top.py", "other.txt", "docs/x.py" })
        {
            Write(f, f);
        }
        var cli = await CompareWithCli();
        // Both enter src but skip src/sub: the exception's text does not start with "src/sub/".
        Assert.Equal(new[] { ".|755|directory", "./busybox|755|regular file", "./src|755|directory", "./src/a.py|644|regular file", "./top.py|644|regular file" }.Order(StringComparer.Ordinal), cli.Order(StringComparer.Ordinal));
    }

    /// <summary>Builds the fixture with us and with the docker CLI; the RUN step lists what arrived. Returns the CLI's listing.</summary>
    private async Task<List<string>> CompareWithCli()
    {
        var repo = Repo("parity");
        var log = new RecordingLog();
        var op = new BuildImage();
        var plan = await op.PlanAsync(Request() with { Repository = repo, Tags = new[] { "ours" }, NoCache = true }, log.Context);
        await op.ExecuteAsync(plan, log.Context, push: false);
        var ours = Listing(log.Lines);

        var (code, output) = _docker.Docker(_dir, new Dictionary<string, string> { ["DOCKER_BUILDKIT"] = "1" },
            "build", "--no-cache", "--network", "none", "--progress", "plain", "-t", repo + ":cli", ".");
        Assert.True(code == 0, output);
        var cli = Listing(output.Split('\n'));

        Assert.NotEmpty(cli);
        // The one difference, by design: BuildKit reads the Dockerfile from the tar we send, so it is
        // there even when .dockerignore excludes it (the CLI sends it apart through its session).
        var dockerfileExcluded = !cli.Any(l => l.StartsWith("./Dockerfile|", StringComparison.Ordinal));
        if (dockerfileExcluded) Assert.Contains(ours, l => l.StartsWith("./Dockerfile|", StringComparison.Ordinal));
        Assert.Equal(cli, ours.Where(l => !dockerfileExcluded || !l.StartsWith("./Dockerfile|", StringComparison.Ordinal)).ToList());
        return cli;
    }

    private void ParityDockerfile()
    {
        File.Copy(_docker.BusyboxPath, Path.Combine(_dir, "busybox"));
        FileModes.Set(Path.Combine(_dir, "busybox"), "755");
        Write("Dockerfile", """
            FROM scratch
            COPY . /ctx/
            RUN ["/ctx/busybox", "sh", "-c", "cd /ctx && echo LISTING-BEGIN && /ctx/busybox find . -exec /ctx/busybox stat -c '%n|%a|%F' {} + | /ctx/busybox sort && echo LISTING-END"]
            """);
    }

    private void ParityFixture()
    {
        ParityDockerfile();
        Write(".dockerignore", "# tricky patterns, as users write them\n" +
                               "*.log   \n" +
                               "**/__pycache__\n" +
                               "build\n" +
                               "!build/keep.txt\n" +
                               "docs/**/*.md\n" +
                               "!docs/**/README.md\n" +
                               "/secrets\n" +
                               "temp?\n" +
                               "[Tt]est-*.txt\n" +
                               "\\#hash\n" +
                               "  !important.log\n" +
                               "node_modules/**\n" +
                               "**/*.tmp\n" +
                               "!keep/**/*.tmp\n" +
                               "vendor/*/cache\n" +
                               "Dockerfile\n" +
                               ".dockerignore\n");
        foreach (var f in new[]
                 {
                     "app/main.py", "app/__pycache__/main.cpython-312.pyc", "app/sub/__pycache__/x.pyc", "app/secrets/ok.txt",
                     "a.log", "important.log", "logs/deep.log", "build/out.bin", "build/keep.txt", "build/sub/keep.txt",
                     "docs/README.md", "docs/guide/intro.md", "docs/guide/README.md", "docs/api/v1/ref.md", "docs/img.png",
                     "secrets/key.pem", "temp1", "temp12", "tempA/x", "Test-a.txt", "test-b.txt", "best-c.txt", "#hash", "hash",
                     "node_modules/m/index.js", "x.tmp", "keep/a/b.tmp", "keep/c.txt", "vendor/a/cache/f", "vendor/a/src/f",
                     "with space.txt", "ünïcödé/file.txt",
                     string.Join('/', Enumerable.Repeat("a-rather-long-directory-name", 5)) + "/" + new string('f', 110) + ".txt",
                 })
        {
            Write(f, f + "\n");
        }
        Write("tools/run.sh", "#!/bin/sh\n");
        FileModes.Set(Path.Combine(_dir, "tools/run.sh"), "750");
        File.CreateSymbolicLink(Path.Combine(_dir, "app", "link"), "main.py");
    }

    private static List<string> Listing(IEnumerable<string> lines) => Between(lines);

    private static List<string> Between(IEnumerable<string> lines)
    {
        var result = new List<string>();
        var inside = false;
        foreach (var raw in lines)
        {
            // BuildKit output lines carry their step number ("#7 text").
            var line = System.Text.RegularExpressions.Regex.Replace(raw.TrimEnd('\r'), @"^#\d+ (\d+\.\d+ )?", string.Empty);
            if (line.Trim() == "LISTING-BEGIN") { inside = true; continue; }
            if (line.Trim() == "LISTING-END") break;
            if (inside && line.Length > 0) result.Add(line);
        }
        return result;
    }

    private async Task<string?> ManifestDigest(string repository, string tag)
    {
        var r = ImageRepository.Parse(repository);
        using var http = new HttpClient();
        using var req = new HttpRequestMessage(HttpMethod.Head, $"http://{r.Registry}/v2/{r.Path}/manifests/{tag}");
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DockerEnvironment.User}:{DockerEnvironment.Password}")));
        req.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var res = await http.SendAsync(req);
        return res.StatusCode == HttpStatusCode.OK ? res.Headers.GetValues("Docker-Content-Digest").Single() : null;
    }
}

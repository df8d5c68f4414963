using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace X0tta6bl4.Core.Tests.Infrastructure;

/// <summary>
/// A real Docker engine and a real registry for the tests, once per test run (xunit collection
/// fixture "docker"). An engine named by X0_TEST_DOCKER_HOST is used as is; otherwise dockerd from
/// the Debian package is started with its own data/exec roots, pid file and unix socket under a temp
/// directory (vfs storage, no iptables, no bridge) so it never collides with another engine, and is
/// stopped by PID at the end. The registry (docker-registry, htpasswd auth) listens on a free
/// 127.0.0.1 port. When a part is missing, <see cref="SkipReason"/> says why and tests skip.
/// </summary>
public sealed class DockerEnvironment : IAsyncLifetime
{
    public const string User = "x0-tester";
    public const string Password = "x0-Pa55word-for-tests";

    private readonly List<Process> _started = new();
    private string? _root;

    /// <summary>DOCKER_HOST for the engine (unix://…).</summary>
    public string DockerHost { get; private set; } = string.Empty;
    /// <summary>host:port of the registry.</summary>
    public string Registry { get; private set; } = string.Empty;
    /// <summary>A file system busybox (static) to COPY into FROM scratch images.</summary>
    public string BusyboxPath { get; private set; } = string.Empty;
    /// <summary>Why the environment is not available, or null when it is.</summary>
    public string? SkipReason { get; private set; }

    public void SkipIfUnavailable()
    {
        if (SkipReason is not null) Assert.Skip(SkipReason);
    }

    /// <summary>Environment for code under test: DOCKER_HOST plus an empty docker config.</summary>
    public Dictionary<string, string?> Environment(params (string Key, string? Value)[] extra)
    {
        var env = new Dictionary<string, string?>
        {
            ["DOCKER_HOST"] = DockerHost,
            ["DOCKER_CONFIG"] = Path.Combine(_root ?? Path.GetTempPath(), "docker-config"),
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH"),
            ["HOME"] = System.Environment.GetEnvironmentVariable("HOME"),
        };
        foreach (var (k, v) in extra) env[k] = v;
        return env;
    }

    public async ValueTask InitializeAsync()
    {
        BusyboxPath = new[] { "/bin/busybox", "/usr/bin/busybox" }.FirstOrDefault(File.Exists) ?? string.Empty;
        if (BusyboxPath.Length == 0)
        {
            SkipReason = "busybox-static is not installed (apt-get install busybox-static)";
            return;
        }
        _root = Path.Combine(Path.GetTempPath(), "x0-docker-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_root, "docker-config"));

        var given = System.Environment.GetEnvironmentVariable("X0_TEST_DOCKER_HOST");
        if (!string.IsNullOrEmpty(given))
        {
            DockerHost = given;
        }
        else
        {
            var reason = await StartDockerdAsync();
            if (reason is not null)
            {
                SkipReason = reason;
                return;
            }
        }
        var givenRegistry = System.Environment.GetEnvironmentVariable("X0_TEST_REGISTRY");
        if (!string.IsNullOrEmpty(givenRegistry))
        {
            Registry = givenRegistry;
            return;
        }
        SkipReason = await StartRegistryAsync();
    }

    private async Task<string?> StartDockerdAsync()
    {
        var dockerd = Which("dockerd");
        if (dockerd is null) return "dockerd is not installed (apt-get install docker.io)";
        if (!OperatingSystem.IsLinux() || System.Environment.UserName != "root")
        {
            return "starting dockerd needs root on Linux; set X0_TEST_DOCKER_HOST to a running engine instead";
        }
        var socket = Path.Combine(_root!, "docker.sock");
        var args = new[]
        {
            "--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none",
            "--data-root", Path.Combine(_root!, "data"), "--exec-root", Path.Combine(_root!, "exec"),
            "--pidfile", Path.Combine(_root!, "docker.pid"), "-H", "unix://" + socket,
            // BuildKit as the engine's default builder too (the module asks for it per build either way).
            "--config-file", WriteFile("daemon.json", """{ "features": { "buildkit": true } }"""),
        };
        var log = Path.Combine(_root!, "dockerd.log");
        Start(dockerd, args, log);
        DockerHost = "unix://" + socket;
        // The daemon needs a moment to create its socket and answer /_ping.
        for (var i = 0; i < 150; i++)
        {
            if (await PingAsync(socket)) return null;
            if (_started[^1].HasExited) break;
            await Task.Delay(200);
        }
        return $"dockerd did not come up: {Tail(log)}";
    }

    private async Task<string?> StartRegistryAsync()
    {
        var registry = Which("docker-registry");
        if (registry is null) return "docker-registry is not installed (apt-get install docker-registry)";
        var htpasswd = Which("htpasswd");
        if (htpasswd is null) return "htpasswd is not installed (apt-get install apache2-utils)";
        var users = Path.Combine(_root!, "htpasswd");
        var p = Process.Start(new ProcessStartInfo(htpasswd, new[] { "-Bbn", User, Password }) { RedirectStandardOutput = true })!;
        File.WriteAllText(users, await p.StandardOutput.ReadToEndAsync());
        await p.WaitForExitAsync();

        var port = FreePort();
        Registry = $"127.0.0.1:{port}";
        var config = WriteFile("registry.yml", $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(_root!, "registry")}
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            auth:
              htpasswd:
                realm: x0-tests
                path: {users}
            """);
        var log = Path.Combine(_root!, "registry.log");
        Start(registry, new[] { "serve", config }, log);
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                var r = await http.GetAsync($"http://{Registry}/v2/");
                if (r.StatusCode == HttpStatusCode.Unauthorized) return null;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        return $"docker-registry did not come up: {Tail(log)}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in Enumerable.Reverse(_started))
        {
            try
            {
                if (!p.HasExited)
                {
                    // SIGTERM lets dockerd stop its containerd and unmount; kill only if it hangs.
                    Process.Start("kill", new[] { "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })?.WaitForExit();
                    if (!p.WaitForExit(20_000)) p.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }
            p.Dispose();
        }
        if (_root is not null)
        {
            await Task.Run(() =>
            {
                try
                {
                    Directory.Delete(_root, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // vfs layers can hold files briefly after shutdown; temp leftovers are harmless.
                }
            });
        }
    }

    /// <summary>Runs the docker CLI against the test engine.</summary>
    public (int ExitCode, string Output) Docker(string workingDirectory, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var docker = new[] { "/usr/bin/docker" }.FirstOrDefault(File.Exists) ?? Which("docker") ?? throw new InvalidOperationException("docker CLI missing");
        var psi = new ProcessStartInfo(docker)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOCKER_HOST"] = DockerHost;
        psi.Environment["DOCKER_CONFIG"] = Path.Combine(_root!, "docker-config");
        psi.Environment["DOCKER_BUILDKIT"] = "0";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    private void Start(string file, IEnumerable<string> args, string log)
    {
        // Through sh so output goes to a file and the child never blocks on a full pipe.
        var quoted = string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var psi = new ProcessStartInfo("/bin/sh", new[] { "-c", $"exec '{file}' {quoted} >'{log}' 2>&1" }) { UseShellExecute = false };
        var p = Process.Start(psi)!;
        _started.Add(p);
    }

    private static async Task<bool> PingAsync(string socketPath)
    {
        if (!File.Exists(socketPath)) return false;
        try
        {
            using var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(s, ownsSocket: true);
                },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
            var r = await http.GetAsync("http://docker/_ping");
            return r.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException or TaskCanceledException)
        {
            return false;
        }
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_root!, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    internal static string? Which(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string Tail(string log) =>
        File.Exists(log) ? string.Join(" | ", File.ReadAllLines(log).TakeLast(5)) : "(no log)";
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerEnvironment>
{
    public const string Name = "docker";
}

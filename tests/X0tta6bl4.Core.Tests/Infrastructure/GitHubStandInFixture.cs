using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace X0tta6bl4.Core.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class GitHubStandInCollection : ICollectionFixture<GitHubStandInFixture>
{
    public const string Name = "GitHub stand-in";
}

/// <summary>
/// The GitHub stand-in (tests/StandIns) with prism in front, started once for the tests of the
/// collection as a process on free loopback ports and stopped by process id.
/// </summary>
public sealed class GitHubStandInFixture : IAsyncLifetime
{
    private Process? _process;
    private int? _prismPid;
    private readonly HttpClient _control = new();

    public string ApiUrl { get; private set; } = string.Empty;
    public string UpstreamUrl { get; private set; } = string.Empty;
    public string ControlUrl { get; private set; } = string.Empty;
    /// <summary>Why the stand-in could not start (the tests skip with it), or null.</summary>
    public string? Unavailable { get; private set; }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "x0tta6bl4.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("x0tta6bl4.sln not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask InitializeAsync()
    {
        var standIns = Path.Combine(RepositoryRoot(), "tests", "StandIns");
        if (!Directory.Exists(Path.Combine(standIns, "node_modules", "@stoplight", "prism-cli")))
        {
            Unavailable = $"prism is not installed: run npm ci in {standIns}";
            return;
        }
        var dll = Path.Combine(standIns, "X0tta6bl4.StandIns", "bin", "Release", "net10.0", "X0tta6bl4.StandIns.dll");
        if (!File.Exists(dll))
        {
            Run("dotnet", "build", Path.Combine(standIns, "X0tta6bl4.StandIns"), "-c", "Release", "-v:q", "--nologo");
        }
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "github", "--contract", standIns, "--parent-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("X0-STANDIN ", StringComparison.Ordinal) == true) ready.TrySetResult(e.Data["X0-STANDIN ".Length..]);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (errors) errors.AppendLine(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var done = await Task.WhenAny(ready.Task, _process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(180)));
        if (done != ready.Task)
        {
            Kill();
            throw new InvalidOperationException("The GitHub stand-in did not start: " + errors);
        }
        using var doc = JsonDocument.Parse(ready.Task.Result);
        ApiUrl = doc.RootElement.GetProperty("apiUrl").GetString()!;
        UpstreamUrl = doc.RootElement.GetProperty("upstreamUrl").GetString()!;
        ControlUrl = doc.RootElement.GetProperty("controlUrl").GetString()!;
        _prismPid = doc.RootElement.GetProperty("prismPid").ValueKind == JsonValueKind.Number ? doc.RootElement.GetProperty("prismPid").GetInt32() : null;
    }

    public void RequireAvailable()
    {
        if (Unavailable is not null) Assert.Skip(Unavailable);
    }

    public async Task<JsonElement> Control(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, ControlUrl + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await _control.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task AssertNoContractErrors()
    {
        var contract = await Control(HttpMethod.Get, "/contract");
        Assert.Empty(contract.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _control.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Kill()
    {
        foreach (var pid in new[] { _prismPid, _process?.Id })
        {
            if (pid is null) continue;
            try
            {
                using var p = Process.GetProcessById(pid.Value);
                p.Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stdout.Result} {stderr}");
    }
}

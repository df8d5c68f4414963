using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace X0tta6bl4.StandIns;

/// <summary>
/// Starts <c>prism proxy --errors</c> in front of the stand-in, so every request and every response
/// is validated against GitHub's published OpenAPI description (violations become 422 / 500 answers).
/// </summary>
internal static class Prism
{
    public static async Task<(Process Process, string Url)> StartAsync(string contractDirectory, string upstream, Action<string> onViolation, CancellationToken stopping)
    {
        var cli = Path.Combine(contractDirectory, "node_modules", "@stoplight", "prism-cli", "dist", "index.js");
        var spec = Path.Combine(contractDirectory, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
        if (!File.Exists(cli) || !File.Exists(spec))
        {
            throw new InvalidOperationException($"prism or the GitHub OpenAPI description is missing under {contractDirectory}: run npm ci there.");
        }
        var preload = Path.Combine(contractDirectory, "prism-transparent-redirects.cjs");
        var port = FreePort();
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = contractDirectory,
        };
        foreach (var a in new[] { "--require", preload, cli, "proxy", "--errors", "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), spec, upstream })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tail = new Queue<string>();
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (tail)
            {
                tail.Enqueue(line);
                while (tail.Count > 40) tail.Dequeue();
            }
            if (line.Contains("Prism is listening", StringComparison.Ordinal)) listening.TrySetResult();
            // Contract violations are the point of running prism: make them visible in the stand-in's log.
            if (line.Contains("✖", StringComparison.Ordinal))
            {
                Console.Error.WriteLine("prism: " + line);
                onViolation(line);
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync(stopping);
        var timeout = Task.Delay(TimeSpan.FromSeconds(120), stopping);
        var first = await Task.WhenAny(listening.Task, exited, timeout);
        if (first != listening.Task)
        {
            Stop(process);
            string text;
            lock (tail) text = string.Join(Environment.NewLine, tail);
            throw new InvalidOperationException("prism did not start listening within 120 s:" + Environment.NewLine + text);
        }
        return (process, $"http://127.0.0.1:{port}");
    }

    public static void Stop(Process? process)
    {
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>Stops the stand-in when the test process that started it is gone (no orphans after a crash).</summary>
internal sealed class ParentWatchdog : IDisposable
{
    private readonly Timer? _timer;

    private ParentWatchdog(int pid, Action stop)
    {
        _timer = new Timer(_ =>
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                if (!p.HasExited) return;
            }
            catch (ArgumentException)
            {
            }
            stop();
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    public static ParentWatchdog? Start(int? pid, Action stop) => pid is null ? null : new ParentWatchdog(pid.Value, stop);

    public void Dispose() => _timer?.Dispose();
}

using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Processes;

namespace X0tta6bl4.Core.Git;

/// <summary>
/// The git command line, for what libgit2 cannot do: network operations with the user's credential
/// helpers and ssh, server-side hooks on local remotes, deepening shallow clones. Never prompts
/// (CI has no terminal); a GitHub token is passed through GIT_CONFIG_* variables, never the command line.
/// </summary>
public sealed class GitCli
{
    private readonly string _workingDirectory;
    private readonly string? _token;
    private readonly string _serverUrl;

    /// <param name="serverUrl">The GitHub server the token belongs to (default: GITHUB_SERVER_URL, else https://github.com).</param>
    public GitCli(string workingDirectory, string? token = null, string? serverUrl = null)
    {
        _workingDirectory = workingDirectory;
        _token = string.IsNullOrWhiteSpace(token) ? null : SecretRedactor.Register(token);
        _serverUrl = (string.IsNullOrWhiteSpace(serverUrl) ? Environment.GetEnvironmentVariable("GITHUB_SERVER_URL") : serverUrl) is { Length: > 0 } url
            ? url.TrimEnd('/')
            : "https://github.com";
    }

    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellation, bool throwOnError = true)
    {
        var git = ProcessRunner.FindOnPath("git") ?? throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.NotInstalled,
            "the git command line on PATH (needed for remote operations)", "no git executable",
            "Install git (apt-get install git, or https://git-scm.com/downloads)", "git");
        var env = new Dictionary<string, string?>
        {
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = null,
            ["LC_ALL"] = "C",
        };
        if (_token is not null)
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("x-access-token:" + _token));
            SecretRedactor.Register(basic);
            // Scoped to the GitHub server: a remote on any other host must never receive the token. Appended
            // after configuration the caller may already pass through GIT_CONFIG_* variables.
            var index = int.TryParse(Environment.GetEnvironmentVariable("GIT_CONFIG_COUNT"), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var existing) ? existing : 0;
            var key = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["GIT_CONFIG_COUNT"] = (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["GIT_CONFIG_KEY_" + key] = $"http.{_serverUrl}/.extraHeader";
            env["GIT_CONFIG_VALUE_" + key] = "AUTHORIZATION: basic " + basic;
        }
        var result = await ProcessRunner.RunAsync(new ProcessSpec(git, args, _workingDirectory) { Environment = env }, cancellation).ConfigureAwait(false);
        if (throwOnError && !result.Succeeded)
        {
            throw new X0Exception(ErrorIds.GitCommandFailed, X0ErrorCategory.InvalidOperation,
                $"'git {args[0]}' to succeed", $"exit code {result.ExitCode}: {Tail(result.StandardError)}",
                "Run the same git command by hand to see the full message", string.Join(" ", args.Take(2)));
        }
        return result;
    }

    internal static string Tail(string text, int lines = 6)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", all.TakeLast(lines));
    }
}

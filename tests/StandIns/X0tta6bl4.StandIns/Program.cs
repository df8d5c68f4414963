using System.Diagnostics;
using System.Text.Json;
using X0tta6bl4.StandIns;
using X0tta6bl4.StandIns.GitHub;

// Usage: X0tta6bl4.StandIns github|pypi|nuget [--port N] [--contract <dir with node_modules>] [--parent-pid N]
// Prints one line "X0-STANDIN {json}" with the URLs and process ids once everything listens.
var options = StandInOptions.Parse(args);
if (options.Mode is "pypi" or "nuget")
{
    // Package indexes (PyPI's upload API and indexes, a NuGet v3 feed): no contract proxy, see Packages/.
    return await X0tta6bl4.StandIns.Packages.PackageIndexHost.RunAsync(options);
}
if (options.Mode != "github")
{
    Console.Error.WriteLine($"Unknown mode '{options.Mode}'. Modes: github, pypi, nuget.");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
builder.Services.AddSingleton<GitHubState>();
var app = builder.Build();
app.MapGitHubStandIn();
await app.StartAsync();

var upstream = app.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
app.Services.GetRequiredService<GitHubState>().UpstreamBase = upstream;

Process? prism = null;
string? apiUrl = upstream;
if (options.ContractDirectory is not null)
{
    var state = app.Services.GetRequiredService<GitHubState>();
    (prism, apiUrl) = await Prism.StartAsync(options.ContractDirectory, upstream, state.AddContractError, app.Lifetime.ApplicationStopping);
}
app.Services.GetRequiredService<GitHubState>().PublicApiBase = apiUrl;

using var watchdog = ParentWatchdog.Start(options.ParentPid, () => app.Lifetime.StopApplication());
app.Lifetime.ApplicationStopping.Register(() => Prism.Stop(prism));

var ready = new Dictionary<string, object?>
{
    ["mode"] = options.Mode,
    ["apiUrl"] = apiUrl,
    ["upstreamUrl"] = upstream,
    ["controlUrl"] = upstream + "/_x0",
    ["pid"] = Environment.ProcessId,
    ["prismPid"] = prism?.Id,
};
Console.Out.WriteLine("X0-STANDIN " + JsonSerializer.Serialize(ready));
Console.Out.Flush();

await app.WaitForShutdownAsync();
Prism.Stop(prism);
return 0;

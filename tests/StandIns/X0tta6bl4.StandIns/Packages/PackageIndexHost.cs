using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace X0tta6bl4.StandIns.Packages;

/// <summary>
/// Hosts the package-index stand-ins: <c>pypi</c> (upload API, simple index, JSON API, trusted
/// publishing with a fake OIDC issuer) and <c>nuget</c> (a NuGet v3 feed with push). Same process
/// contract as the GitHub mode: one "X0-STANDIN {json}" line once listening, --parent-pid watchdog.
/// </summary>
internal static class PackageIndexHost
{
    public static async Task<int> RunAsync(StandInOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = 512L * 1024 * 1024;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(f => f.MultipartBodyLengthLimit = 512L * 1024 * 1024);
        var faults = new FaultList();
        builder.Services.AddSingleton(faults);
        if (options.Mode == "pypi") builder.Services.AddSingleton<PypiState>();
        else builder.Services.AddSingleton<NuGetState>();
        var app = builder.Build();
        app.Use((ctx, next) => faults.ApplyAsync(ctx, next));
        if (options.Mode == "pypi") PypiEndpoints.Map(app);
        else NuGetEndpoints.Map(app);
        app.MapPost("/_x0/faults", async (HttpContext c) =>
        {
            var body = await JsonNode.ParseAsync(c.Request.Body) ?? new JsonObject();
            faults.Add(body);
            return Results.Ok();
        });
        app.MapDelete("/_x0/faults", () =>
        {
            faults.Clear();
            return Results.NoContent();
        });
        await app.StartAsync();

        var upstream = app.Urls.First(u => u.StartsWith("http://", StringComparison.Ordinal));
        using var watchdog = ParentWatchdog.Start(options.ParentPid, () => app.Lifetime.StopApplication());
        var ready = new Dictionary<string, object?>
        {
            ["mode"] = options.Mode,
            ["url"] = upstream,
            ["controlUrl"] = upstream + "/_x0",
            ["pid"] = Environment.ProcessId,
        };
        if (options.Mode == "pypi")
        {
            ready["uploadUrl"] = upstream + "/legacy/";
            ready["simpleUrl"] = upstream + "/simple/";
            ready["oidcRequestUrl"] = upstream + "/_x0/oidc/token?api-version=2.0";
        }
        else
        {
            ready["serviceIndex"] = upstream + "/v3/index.json";
            ready["publishUrl"] = upstream + "/api/v2/package";
        }
        Console.Out.WriteLine("X0-STANDIN " + JsonSerializer.Serialize(ready));
        Console.Out.Flush();
        await app.WaitForShutdownAsync();
        return 0;
    }
}

/// <summary>
/// Injected answers: { method, path (regex on path+query), status, reason, body, times (-1 = always),
/// after, apply }. With <c>apply: true</c> the request is processed first and then answered with the
/// fault — "the server did it, but the client heard an error" (a 502 after storing, a racing upload).
/// </summary>
internal sealed class FaultList
{
    private readonly List<Fault> _faults = new();

    private sealed class Fault
    {
        public string? Method;
        public Regex Path = new(".*");
        public int Status;
        public string? Reason;
        public string? Body;
        public int Times = 1;
        public int After;
        public bool Apply;
    }

    public void Add(JsonNode body)
    {
        lock (_faults)
        {
            _faults.Add(new Fault
            {
                Method = body["method"]?.GetValue<string>(),
                Path = new Regex(body["path"]?.GetValue<string>() ?? ".*", RegexOptions.CultureInvariant),
                Status = body["status"]?.GetValue<int>() ?? 500,
                Reason = body["reason"]?.GetValue<string>(),
                Body = body["body"] is { } b ? (b is JsonValue v && v.TryGetValue<string>(out var s) ? s : b.ToJsonString()) : null,
                Times = body["times"]?.GetValue<int>() ?? 1,
                After = body["after"]?.GetValue<int>() ?? 0,
                Apply = body["apply"]?.GetValue<bool>() ?? false,
            });
        }
    }

    public void Clear()
    {
        lock (_faults) _faults.Clear();
    }

    public async Task ApplyAsync(HttpContext ctx, Func<Task> next)
    {
        var path = (ctx.Request.Path.Value ?? "/") + ctx.Request.QueryString;
        if (path.StartsWith("/_x0", StringComparison.Ordinal))
        {
            await next();
            return;
        }
        Fault? match = null;
        lock (_faults)
        {
            foreach (var f in _faults)
            {
                if (f.Times == 0) continue;
                if (f.Method is not null && !string.Equals(f.Method, ctx.Request.Method, StringComparison.OrdinalIgnoreCase)) continue;
                if (!f.Path.IsMatch(path)) continue;
                if (f.After > 0)
                {
                    f.After--;
                    continue;
                }
                if (f.Times > 0) f.Times--;
                match = f;
                break;
            }
        }
        if (match is null)
        {
            await next();
            return;
        }
        if (match.Apply)
        {
            var original = ctx.Response.Body;
            ctx.Response.Body = Stream.Null;
            try
            {
                await next();
            }
            finally
            {
                ctx.Response.Body = original;
            }
            ctx.Response.Headers.Clear();
        }
        ctx.Response.StatusCode = match.Status;
        if (match.Reason is not null)
        {
            var feature = ctx.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>();
            if (feature is not null) feature.ReasonPhrase = match.Reason;
        }
        if (match.Body is not null)
        {
            ctx.Response.ContentType = match.Body.StartsWith('{') ? "application/json" : "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync(match.Body);
        }
    }
}

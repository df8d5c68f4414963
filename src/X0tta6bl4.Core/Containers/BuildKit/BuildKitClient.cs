using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers.BuildKit;

/// <summary>
/// A BuildKit build through the Engine API: POST /build?version=2 with the context tar in the request
/// body (the engine serves it to BuildKit as the build context, so no file sync is needed) and the id of
/// a <see cref="BuildSession"/> that answers for secrets and registry credentials. The progress stream's
/// "moby.buildkit.trace" messages carry BuildKit's protobuf status, handed on as bytes.
/// </summary>
public sealed class BuildKitClient
{
    private readonly EngineDialer _dialer;
    private readonly string _apiVersion;

    public BuildKitClient(EngineDialer dialer, string apiVersion)
    {
        _dialer = dialer;
        _apiVersion = apiVersion;
    }

    public async Task BuildAsync(ImageBuildSpec spec, Stream context, Action<EngineMessage> onMessage, Action<string>? onSessionRequest, CancellationToken cancellation)
    {
        var services = new SessionServices { Secrets = spec.Secrets, Credentials = spec.RegistryCredentials, OnRequest = onSessionRequest };
        await using var session = await BuildSession.StartAsync(_dialer, _apiVersion, services, cancellation).ConfigureAwait(false);
        using var http = _dialer.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v{_apiVersion}/build?{Query(spec, session.Id)}")
        {
            Content = new StreamContent(context, 81_920),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            throw Refused(spec, response.StatusCode, body);
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellation).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0 && Parse(line) is { } message) onMessage(message);
        }
    }

    /// <summary>The query string of POST /build for BuildKit (the names the docker CLI sends).</summary>
    public static string Query(ImageBuildSpec spec, string sessionId)
    {
        var q = new List<string> { "version=2", "rm=1", "session=" + Uri.EscapeDataString(sessionId) };
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) q.Add(name + "=" + Uri.EscapeDataString(value));
        }
        foreach (var reference in spec.References) Add("t", reference);
        Add("dockerfile", spec.Dockerfile);
        Add("target", spec.Target);
        Add("platform", spec.Platform);
        Add("networkmode", spec.NetworkMode);
        var args = new Dictionary<string, string>(spec.BuildArgs, StringComparer.Ordinal);
        if (spec.InlineCache) args["BUILDKIT_INLINE_CACHE"] = "1";
        if (args.Count > 0) Add("buildargs", JsonSerializer.Serialize(args));
        if (spec.Labels.Count > 0) Add("labels", JsonSerializer.Serialize(spec.Labels));
        if (spec.CacheFrom.Count > 0) Add("cachefrom", JsonSerializer.Serialize(spec.CacheFrom));
        if (spec.NoCache) q.Add("nocache=1");
        if (spec.Pull) q.Add("pull=1");
        return string.Join('&', q);
    }

    /// <summary>One line of the JSON progress stream in Core terms (null for lines it cannot read).</summary>
    public static EngineMessage? Parse(string line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var id = Str(root, "id");
            var error = root.TryGetProperty("errorDetail", out var detail) && Str(detail, "message") is { } m ? m : Str(root, "error");
            byte[]? trace = null;
            string? auxId = null;
            if (root.TryGetProperty("aux", out var aux))
            {
                if (id == "moby.buildkit.trace" && aux.ValueKind == JsonValueKind.String) trace = aux.GetBytesFromBase64();
                else if (aux.ValueKind == JsonValueKind.Object) auxId = Str(aux, "ID");
            }
            return new EngineMessage(Stream: Str(root, "stream"), Status: Str(root, "status"), Id: id, Error: error, AuxId: auxId, BuildKitTrace: trace);
        }
    }

    private static X0Exception Refused(ImageBuildSpec spec, HttpStatusCode status, string body)
    {
        var message = body.Trim();
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { } text) message = text;
        }
        catch (JsonException)
        {
        }
        return new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.InvalidResult,
            "the Docker engine to accept the BuildKit build", $"HTTP {(int)status}: {SecretRedactor.Redact(message)}",
            "Check the Dockerfile, -Platform and the build arguments", spec.Dockerfile);
    }
}

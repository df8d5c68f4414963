using System.Net;
using System.Net.Http.Headers;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.GitHub.Http;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.GitHub;

public class GitHubHandlersTests
{
    private sealed class Scripted : HttpMessageHandler
    {
        private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> _answers;
        public List<HttpRequestMessage> Requests { get; } = new();

        public Scripted(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) => _answers = new(answers);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var answer = _answers.Count > 1 ? _answers.Dequeue() : _answers.Peek();
            return Task.FromResult(answer(request));
        }
    }

    private static HttpResponseMessage Answer(int status, int? remaining = null, DateTimeOffset? reset = null, TimeSpan? retryAfter = null, string body = "{}")
    {
        var r = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body) };
        if (remaining is not null)
        {
            r.Headers.Add("x-ratelimit-limit", "5000");
            r.Headers.Add("x-ratelimit-remaining", remaining.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            r.Headers.Add("x-ratelimit-reset", (reset ?? DateTimeOffset.UtcNow.AddHours(1)).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (retryAfter is not null) r.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter.Value);
        return r;
    }

    private static (HttpClient Client, List<TimeSpan> Delays, CapturingLog Log) Client(Scripted inner, TimeSpan? maxWait = null, int retries = 3)
    {
        var options = new GitHubOptions { ApiUrl = new Uri("https://api.example.test/"), MaxWait = maxWait ?? TimeSpan.FromMinutes(5), MaxServerRetries = retries, RetryDelay = TimeSpan.FromMilliseconds(100), SecondaryLimitDelay = TimeSpan.FromSeconds(60) };
        var log = new CapturingLog();
        var delays = new List<TimeSpan>();
        var handler = new GitHubResilienceHandler(options, new X0Context(log), new GitHubRateLimitMonitor())
        {
            InnerHandler = inner,
            Delay = (d, _) =>
            {
                delays.Add(d);
                return Task.CompletedTask;
            },
        };
        return (new HttpClient(handler), delays, log);
    }

    [Fact]
    public async Task Primary_limit_waits_until_the_reset_when_it_is_within_MaxWait()
    {
        var inner = new Scripted(_ => Answer(403, remaining: 0, reset: DateTimeOffset.UtcNow.AddSeconds(20)), _ => Answer(200, remaining: 4999));
        var (client, delays, log) = Client(inner);
        var response = await client.GetAsync("https://api.example.test/repos/o/r/actions/runs", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var delay = Assert.Single(delays);
        Assert.InRange(delay.TotalSeconds, 15, 22);
        Assert.Contains(log.Warnings, w => w.Contains("primary rate limit", StringComparison.Ordinal));
        Assert.Equal(2, inner.Requests.Count);
    }

    [Fact]
    public async Task Primary_limit_beyond_MaxWait_is_an_error_with_the_reset_time_and_no_wait()
    {
        var reset = DateTimeOffset.UtcNow.AddMinutes(40);
        var inner = new Scripted(_ => Answer(429, remaining: 0, reset: reset));
        var (client, delays, _) = Client(inner, maxWait: TimeSpan.FromMinutes(1));
        var ex = await Assert.ThrowsAsync<X0Exception>(() => client.GetAsync("https://api.example.test/x", TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.GitHubRateLimited, ex.ErrorId);
        Assert.Equal(X0ErrorCategory.LimitsExceeded, ex.Category);
        Assert.Contains(reset.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Secondary_limit_honours_Retry_After_and_backs_off_without_it()
    {
        var inner = new Scripted(
            _ => Answer(403, remaining: 100, retryAfter: TimeSpan.FromSeconds(7)),
            _ => Answer(403, remaining: 100, body: "{\"message\":\"You have exceeded a secondary rate limit\"}"),
            _ => Answer(403, remaining: 100, body: "{\"message\":\"You have exceeded a secondary rate limit\"}"),
            _ => Answer(200, remaining: 99));
        var (client, delays, _) = Client(inner, maxWait: TimeSpan.FromMinutes(10));
        var response = await client.GetAsync("https://api.example.test/x", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { 7.0, 60.0, 120.0 }, delays.Select(d => d.TotalSeconds));
    }

    /// <summary>Never answers; reads the request body slowly when there is one, reporting each chunk.</summary>
    private sealed class Silent(TimeSpan perChunk) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is not null)
            {
                await request.Content.CopyToAsync(new SlowSink(perChunk, cancellationToken), cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.Created);
            }
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>A connection that takes each write only after a pause, as a slow link does.</summary>
    private sealed class SlowSink(TimeSpan perWrite, CancellationToken connection) : MemoryStream
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // The connection's token, as a socket is torn down by the handler whatever the writer passed.
            await Task.Delay(perWrite, connection);
            await base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>Content that reports each byte to the request's upload watch, as the release gateway's content does.</summary>
    private sealed class Trickle(UploadWatch watch, int size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 1; i <= size; i++)
            {
                await stream.WriteAsync(new byte[] { 42 });
                watch.Report(i);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }
    }

    [Fact]
    public async Task An_attempt_without_an_answer_is_a_timeout_error_and_the_callers_cancellation_stays_a_cancellation()
    {
        var client = new HttpClient(new AttemptTimeoutHandler(TimeSpan.FromMilliseconds(200)) { InnerHandler = new Silent(TimeSpan.Zero) });

        var error = await Assert.ThrowsAsync<X0Exception>(() => client.GetAsync("https://api.example.test/repos/o/r", TestContext.Current.CancellationToken));
        Assert.Equal(ErrorIds.GitHubUnreachable, error.ErrorId);
        Assert.Equal(X0ErrorCategory.OperationTimeout, error.Category);
        Assert.Contains("GET /repos/o/r", error.Expected);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var slow = new HttpClient(new AttemptTimeoutHandler(TimeSpan.FromSeconds(30)) { InnerHandler = new Silent(TimeSpan.Zero) });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.GetAsync("https://api.example.test/", cancel.Token));
    }

    [Fact]
    public async Task An_upload_that_keeps_moving_outlasts_the_bound_and_one_that_goes_silent_does_not()
    {
        // 8 chunks 60 ms apart: 480 ms in all, never 200 ms of silence.
        var moving = new UploadWatch("big.whl", 8, null);
        var client = new HttpClient(new AttemptTimeoutHandler(TimeSpan.FromMilliseconds(200)) { InnerHandler = new Silent(TimeSpan.FromMilliseconds(60)) });
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://uploads.example.test/assets?name=big.whl") { Content = new Trickle(moving, 8) };
        request.Options.Set(UploadWatch.Key, moving);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(8, moving.Sent);

        var stalled = new UploadWatch("big.whl", 8, null);
        var stalling = new HttpClient(new AttemptTimeoutHandler(TimeSpan.FromMilliseconds(200)) { InnerHandler = new Silent(TimeSpan.FromMilliseconds(400)) });
        using var again = new HttpRequestMessage(HttpMethod.Post, "https://uploads.example.test/assets?name=big.whl") { Content = new Trickle(stalled, 8) };
        again.Options.Set(UploadWatch.Key, stalled);
        var error = await Assert.ThrowsAsync<X0Exception>(() => stalling.SendAsync(again, TestContext.Current.CancellationToken));
        Assert.Equal(X0ErrorCategory.OperationTimeout, error.Category);
        Assert.Contains("after 0 of 8 B", error.Found);
    }

    [Fact]
    public async Task A_plain_403_is_returned_for_the_caller_to_map()
    {
        var inner = new Scripted(_ => Answer(403, remaining: 4000, body: "{\"message\":\"Resource not accessible by integration\"}"));
        var (client, delays, _) = Client(inner);
        var response = await client.GetAsync("https://api.example.test/x", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(delays);
    }

    [Fact]
    public async Task Server_errors_are_retried_a_bounded_number_of_times_for_reads_only()
    {
        var inner = new Scripted(_ => Answer(502));
        var (client, delays, _) = Client(inner, retries: 3);
        var response = await client.GetAsync("https://api.example.test/x", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(4, inner.Requests.Count);
        Assert.Equal(3, delays.Count);
        Assert.True(delays[1] > delays[0] && delays[2] > delays[1], "back-off grows");

        var post = new Scripted(_ => Answer(500));
        var (postClient, postDelays, _) = Client(post);
        var answer = await postClient.PostAsync("https://api.example.test/x", new StringContent("{}"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.InternalServerError, answer.StatusCode);
        Assert.Single(post.Requests);
        Assert.Empty(postDelays);
    }

    [Fact]
    public async Task The_token_goes_to_the_API_host_only_and_JSON_bodies_are_labelled_as_JSON()
    {
        var inner = new Scripted(_ => Answer(200));
        var options = new GitHubOptions { ApiUrl = new Uri("http://127.0.0.1:5000/"), Token = "ghp_unit" };
        var client = new HttpClient(new GitHubAuthHandler(options) { InnerHandler = new JsonContentTypeHandler(options) { InnerHandler = inner } });
        await client.PostAsync("http://127.0.0.1:5000/repos/o/r/releases", new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"), TestContext.Current.CancellationToken);
        await client.GetAsync("http://127.0.0.1:6000/_x0/blobs/logs.zip", TestContext.Current.CancellationToken);
        Assert.Equal("Bearer ghp_unit", inner.Requests[0].Headers.Authorization?.ToString());
        Assert.Equal("application/json", inner.Requests[0].Content!.Headers.ContentType!.MediaType);
        Assert.Null(inner.Requests[1].Headers.Authorization);
    }

    [Fact]
    public void Options_take_explicit_values_first_then_the_environment_and_trim_the_token()
    {
        var env = new Dictionary<string, string?> { ["GITHUB_API_URL"] = "https://ghe.example/api/v3", ["GH_TOKEN"] = "  ghp_fromenv_123 \n" };
        var fromEnv = GitHubOptions.Resolve(null, null, env);
        Assert.Equal("https://ghe.example/api/v3/", fromEnv.ApiUrl.AbsoluteUri);
        Assert.Equal("ghp_fromenv_123", fromEnv.Token);
        Assert.True(SecretRedactor.IsRegistered("ghp_fromenv_123"));

        var explicitOptions = GitHubOptions.Resolve("http://127.0.0.1:1234", "ghp_explicit_1", env, TimeSpan.FromSeconds(9));
        Assert.Equal("http://127.0.0.1:1234/", explicitOptions.ApiUrl.AbsoluteUri);
        Assert.Equal("ghp_explicit_1", explicitOptions.Token);
        Assert.Equal(TimeSpan.FromSeconds(9), explicitOptions.MaxWait);

        var ex = Assert.Throws<X0Exception>(() => GitHubOptions.Resolve("ftp://nope", null, env));
        Assert.Equal(ErrorIds.ConfigInvalid, ex.ErrorId);
    }

    [Fact]
    public void The_monitor_keeps_the_lowest_count_of_a_window_whatever_order_answers_arrive_in()
    {
        var monitor = new GitHubRateLimitMonitor();
        var reset = DateTimeOffset.UtcNow.AddMinutes(30);
        monitor.Observe(Answer(200, remaining: 90, reset: reset));
        monitor.Observe(Answer(200, remaining: 95, reset: reset));
        Assert.Equal(90, monitor.Last!.Remaining);
        monitor.Observe(Answer(200, remaining: 4999, reset: reset.AddHours(1)));
        Assert.Equal(4999, monitor.Last!.Remaining);
    }

    [Theory]
    [InlineData("https://github.com/octo/hello-world.git", "octo/hello-world")]
    [InlineData("https://x-access-token:ghp_abc@github.com/octo/hello-world", "octo/hello-world")]
    [InlineData("git@github.com:octo/hello.world.git", "octo/hello.world")]
    [InlineData("ssh://git@ghe.example:2222/team/svc.git", "team/svc")]
    [InlineData("https://ghe.example/scm/team/svc.git", "team/svc")]
    public void Repository_names_come_from_remote_urls(string url, string expected)
    {
        Assert.Equal(expected, GitHubRepositoryName.FromRemoteUrl(url)!.FullName);
    }

    [Fact]
    public void Credentials_are_stripped_from_remote_urls()
    {
        Assert.Equal("https://github.com/octo/r.git", GitHubRepositoryName.StripCredentials("https://user:ghp_secret@github.com/octo/r.git"));
        Assert.Equal("git@github.com:octo/r.git", GitHubRepositoryName.StripCredentials("git@github.com:octo/r.git"));
        Assert.Equal(ErrorIds.GitHubRepositoryUnknown, Assert.Throws<X0Exception>(() => GitHubRepositoryName.Parse("not a repo")).ErrorId);
    }
}

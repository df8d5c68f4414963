using X0tta6bl4.Core.GitHub;
using X0tta6bl4.Core.Tests.Infrastructure;

namespace X0tta6bl4.Core.Tests.GitHub;

public class SafeHttpResponseCacheTests
{
    private sealed class Failing : IHttpResponseCache
    {
        public int Calls;
        public bool TryGet(string key, out string etag, out byte[] body)
        {
            Calls++;
            throw new IOException("disk full");
        }

        public void Put(string key, string etag, byte[] body)
        {
            Calls++;
            throw new IOException("disk full");
        }
    }

    [Fact]
    public void A_failing_store_costs_one_warning_and_the_query_goes_on_in_memory()
    {
        var inner = new Failing();
        var log = new CapturingLog();
        var cache = new SafeHttpResponseCache(inner, log);
        Assert.False(cache.TryGet("k", out _, out _));
        cache.Put("k", "W/\"1\"", new byte[] { 42 });
        Assert.True(cache.TryGet("k", out var etag, out var body));
        Assert.Equal("W/\"1\"", etag);
        Assert.Equal(new byte[] { 42 }, body);
        Assert.Equal(1, inner.Calls);
        Assert.Contains("disk full", Assert.Single(log.Warnings), StringComparison.Ordinal);
    }
}

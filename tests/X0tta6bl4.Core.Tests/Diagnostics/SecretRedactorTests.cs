using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Tests.Diagnostics;

public class SecretRedactorTests
{
    // The redactor is process-wide: every test uses values no other test can produce.
    private static string Unique(string prefix = "tok") => prefix + Guid.NewGuid().ToString("N");

    [Fact]
    public void Registered_secret_is_masked_everywhere_in_a_text()
    {
        var secret = Unique();
        SecretRedactor.Register(secret);
        Assert.Equal("a *** b ***", SecretRedactor.Redact($"a {secret} b {secret}"));
        Assert.True(SecretRedactor.IsRegistered(secret));
    }

    [Fact]
    public void Trailing_newline_of_a_token_file_is_trimmed()
    {
        var secret = Unique();
        var returned = SecretRedactor.Register(secret + "\r\n");
        Assert.Equal(secret, returned);
        Assert.Equal("Authorization: token ***\n", SecretRedactor.Redact($"Authorization: token {secret}\n"));
    }

    [Fact]
    public void Longest_secret_is_masked_first()
    {
        var shorter = Unique();
        var longer = shorter + "-suffix";
        SecretRedactor.Register(shorter);
        SecretRedactor.Register(longer);
        Assert.Equal("x *** y *** z", SecretRedactor.Redact($"x {longer} y {shorter} z"));
    }

    [Fact]
    public void Very_short_values_are_not_secrets_and_nothing_is_a_no_op()
    {
        Assert.Equal("abc", SecretRedactor.Register(" abc "));
        Assert.False(SecretRedactor.IsRegistered("abc"));
        Assert.Equal("", SecretRedactor.Redact(null));
        Assert.Equal("", SecretRedactor.Register(null));
    }

    [Fact]
    public void Registration_is_announced_once()
    {
        var secret = Unique();
        var seen = new List<string>();
        void OnRegistered(string s)
        {
            if (s.StartsWith(secret, StringComparison.Ordinal)) lock (seen) seen.Add(s);
        }
        SecretRedactor.SecretRegistered += OnRegistered;
        try
        {
            SecretRedactor.Register(secret);
            SecretRedactor.Register(secret + "\n");
        }
        finally
        {
            SecretRedactor.SecretRegistered -= OnRegistered;
        }
        Assert.Equal(new[] { secret }, seen);
    }
}

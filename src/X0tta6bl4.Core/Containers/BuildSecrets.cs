using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Containers;

/// <summary>Where a build secret's value comes from.</summary>
public enum BuildSecretSource
{
    /// <summary>An environment variable of this process.</summary>
    Environment,
    /// <summary>A file, read when the build asks.</summary>
    File,
    /// <summary>A value held in memory (a SecureString or credential given to the cmdlet).</summary>
    Value,
}

/// <summary>
/// One secret for RUN --mount=type=secret,id=ID: it reaches the build through the BuildKit session
/// only, never a build argument, a layer, the history, a log or the run store. ToString shows where
/// it comes from, never the value.
/// </summary>
public sealed class BuildSecret
{
    private readonly byte[]? _value;
    private readonly IReadOnlyDictionary<string, string?>? _environment;

    private BuildSecret(string id, BuildSecretSource source, string? origin, byte[]? value, IReadOnlyDictionary<string, string?>? environment)
    {
        Id = id;
        Source = source;
        Origin = origin;
        _value = value;
        _environment = environment;
    }

    public string Id { get; }
    public BuildSecretSource Source { get; }
    /// <summary>The variable name or file path (null for an in-memory value).</summary>
    public string? Origin { get; }

    public static BuildSecret FromEnvironment(string id, string variable, IReadOnlyDictionary<string, string?> environment) =>
        new(ValidId(id), BuildSecretSource.Environment, variable, null, environment);

    public static BuildSecret FromFile(string id, string path) => new(ValidId(id), BuildSecretSource.File, Path.GetFullPath(path), null, null);

    public static BuildSecret FromValue(string id, byte[] value) => new(ValidId(id), BuildSecretSource.Value, null, value, null);

    /// <summary>"env:NAME" or a file path, as -Secret and images.secrets take them.</summary>
    public static BuildSecret Parse(string id, string source, string baseDirectory, IReadOnlyDictionary<string, string?> environment) =>
        source.StartsWith("env:", StringComparison.Ordinal)
            ? FromEnvironment(id, source[4..], environment)
            : FromFile(id, Path.IsPathRooted(source) ? source : Path.Combine(baseDirectory, source));

    /// <summary>
    /// Read-only check for the plan: the variable is set, the file is readable. The value is not kept,
    /// but registered with <see cref="SecretRedactor"/> so a RUN step that echoes it is masked in every
    /// line the module writes (and in GitHub Actions' log).
    /// </summary>
    /// <exception cref="X0Exception">X0.ImageSecretMissing.</exception>
    public void Check()
    {
        CheckPresent();
        var value = Source switch
        {
            BuildSecretSource.Environment => _environment![Origin!]!,
            BuildSecretSource.File => System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(Origin!)),
            _ => System.Text.Encoding.UTF8.GetString(_value!),
        };
        SecretRedactor.Register(value);
    }

    private void CheckPresent()
    {
        switch (Source)
        {
            case BuildSecretSource.Environment when _environment is null || !_environment.TryGetValue(Origin!, out var v) || string.IsNullOrEmpty(v):
                throw Missing($"environment variable {Origin} is not set", $"Set {Origin}, or give the secret from a file (-Secret @{{ {Id} = './path' }})");
            case BuildSecretSource.File when !File.Exists(Origin):
                throw Missing($"no file {Origin}", "Create the file, or give the secret from a variable (-Secret @{ " + Id + " = 'env:NAME' })");
        }
    }

    public async Task<byte[]> ReadAsync(CancellationToken cancellation)
    {
        CheckPresent();
        return Source switch
        {
            BuildSecretSource.Environment => System.Text.Encoding.UTF8.GetBytes(_environment![Origin!]!),
            BuildSecretSource.File => await File.ReadAllBytesAsync(Origin!, cancellation).ConfigureAwait(false),
            _ => _value!,
        };
    }

    public override string ToString() => Source switch
    {
        BuildSecretSource.Environment => $"{Id} from ${Origin}",
        BuildSecretSource.File => $"{Id} from {Origin}",
        _ => $"{Id} (given value)",
    };

    private X0Exception Missing(string found, string fix) =>
        new(ErrorIds.ImageSecretMissing, X0ErrorCategory.ObjectNotFound, $"the value of build secret '{Id}'", found, fix, Id);

    private static string ValidId(string id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            throw new X0Exception(ErrorIds.ImageSecretMissing, X0ErrorCategory.InvalidArgument,
                "a secret id of letters, digits, '_', '-' and '.' (as RUN --mount=type=secret,id=… names it)", $"'{id}'",
                "Rename the secret in -Secret and in the Dockerfile", id);
        }
        return id;
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Semver;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Packages;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// The package steps of a release: build + validate (before the assets, so the files are attached to
/// the GitHub release), then one publish step per kind of index (before the GitHub release: the
/// announcement goes out once `pip install` / `Install-PSResource` can fetch what it announces).
/// </summary>
public static class PackageSteps
{
    public static IReadOnlyList<ReleaseStep> Build(PackageReleaseOptions options) => new ReleaseStep[] { new PackagesStep(options) };

    public static IReadOnlyList<ReleaseStep> Publish(PackageReleaseOptions options) => new ReleaseStep[] { new PyPIStep(options), new NuGetStep(options) };

    /// <summary>A SecretManagement secret name from [tool.x0tta6bl4.&lt;table&gt;] &lt;key&gt;, or null (also when the config cannot be read).</summary>
    public static string? SecretName(string root, string table, string key)
    {
        try
        {
            return ConfigLoader.Str(ConfigLoader.Table(ConfigLoader.Load(root).Settings, table), key);
        }
        catch (X0Exception)
        {
            return null;
        }
    }

    internal static IReadOnlyDictionary<string, string?> Env(PackageReleaseOptions options) => options.Environment ?? Ci.ProcessEnvironment.Snapshot();

    internal static string? EnvValue(IReadOnlyDictionary<string, string?> env, string key) =>
        env.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
}

/// <summary>packages.json in the release folder: what was built from which commit (explains and lets a re-run reuse the very same files).</summary>
internal sealed class PackageRecord
{
    public string Commit { get; set; } = string.Empty;
    public List<Entry> Packages { get; set; } = new();

    internal sealed class Entry
    {
        public PackageEcosystem Ecosystem { get; set; }
        public string Name { get; set; } = string.Empty;
        public string Version { get; set; } = string.Empty;
        public List<FileEntry> Files { get; set; } = new();
        public List<string> Checks { get; set; } = new();
        public List<string> Warnings { get; set; } = new();
    }

    internal sealed class FileEntry
    {
        public string Name { get; set; } = string.Empty;
        public string Kind { get; set; } = string.Empty;
        public long Size { get; set; }
        public string Sha256 { get; set; } = string.Empty;
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public const string FileName = "packages.json";

    public static PackageRecord? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<PackageRecord>(File.ReadAllText(path), Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Options));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The recorded packages, when every file is still there with its digest.</summary>
    public List<BuiltPackage>? Verified(string directory)
    {
        var result = new List<BuiltPackage>();
        foreach (var p in Packages)
        {
            var files = new List<PackageFile>();
            foreach (var f in p.Files)
            {
                var path = Path.Combine(directory, p.Ecosystem.ToString().ToLowerInvariant(), f.Name);
                if (!File.Exists(path)) return null;
                var actual = PackageFile.Of(path, f.Kind);
                if (actual.Sha256 != f.Sha256) return null;
                files.Add(actual);
            }
            result.Add(new BuiltPackage(p.Ecosystem, p.Name, p.Version, files) { Checks = p.Checks, Warnings = p.Warnings });
        }
        return result;
    }
}

/// <summary>
/// Builds and validates the release's packages from the tagged commit: Python sdist + wheel
/// (python -m build, twine-check-equivalent and PyPI's own checks), the PowerShell module's nupkg
/// (PSResourceGet, the Gallery's manifest rules), .NET packages (dotnet pack with the tag's version).
/// Reconcile runs the static checks (read-only, -WhatIf too); the built files are kept in the
/// release folder and reused by a re-run of the same commit, so uploads never see different bytes.
/// </summary>
public sealed class PackagesStep : ReleaseStep
{
    private readonly PackageReleaseOptions _options;
    private PackagePlan? _plan;

    public PackagesStep(PackageReleaseOptions options) => _options = options;

    public override string Name => "Packages";

    internal static string Folder(ReleaseState state) => Path.Combine(state.OutputDirectory, "packages");

    public override Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        state.Packages.Clear();
        if (_options.Skip) return Task.FromResult(StepPlan.Skip("-Package None: no packages in this release"));
        _plan = PackagePlan.Create(state.Config, state.Version!, _options.Ecosystems);
        if (_plan.Ecosystems.Count == 0)
        {
            return Task.FromResult(StepPlan.Skip("no package to build (no [project] in pyproject.toml, no built module, no dotnet_projects)"));
        }
        state.Packages.AddRange(_plan.Expected);

        var folder = Folder(state);
        var record = PackageRecord.Load(folder);
        if (record is not null && record.Commit == state.Commit
            && _plan.Ecosystems.All(e => record.Packages.Any(p => p.Ecosystem == e))
            && record.Verified(folder) is { } reused)
        {
            state.Packages.Clear();
            state.Packages.AddRange(reused);
            return Task.FromResult(StepPlan.AlreadyDone($"built from {state.Commit[..12]} earlier and unchanged: {Describe(reused)}"));
        }
        return Task.FromResult(StepPlan.Todo($"build and check {string.Join("; ", _plan.Descriptions)} from {state.Commit[..12]} into {folder}",
            folder, "Build and validate the packages"));
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var folder = Folder(state);
        var built = await PackageBuild.BuildAsync(state.Config, state.Commit, state.Version!, _plan!,
            eco => Path.Combine(folder, eco.ToString().ToLowerInvariant()), clean: true, _options, context).ConfigureAwait(false);
        new PackageRecord
        {
            Commit = state.Commit,
            Packages = built.Select(p => new PackageRecord.Entry
            {
                Ecosystem = p.Ecosystem,
                Name = p.Name,
                Version = p.Version,
                Checks = p.Checks.ToList(),
                Warnings = p.Warnings.ToList(),
                Files = p.Files.Select(f => new PackageRecord.FileEntry { Name = f.Name, Kind = f.Kind, Size = f.Size, Sha256 = f.Sha256 }).ToList(),
            }).ToList(),
        }.Save(folder);
        state.Packages.Clear();
        state.Packages.AddRange(built);
        return Describe(built);
    }

    internal static string Describe(IEnumerable<BuiltPackage> packages) => string.Join("; ", packages.Select(p =>
        $"{p.Name} {p.Version}: {string.Join(", ", p.Files.Select(f => f.Name))}" + (p.Checks.Count > 0 ? $" ({string.Join(", ", p.Checks)})" : string.Empty)
        + (p.Warnings.Count > 0 ? $"; warnings: {string.Join("; ", p.Warnings)}" : string.Empty)));
}

/// <summary>
/// What would be built, found by read-only checks: the ecosystems (given or detected) and, per
/// ecosystem, the static checks of what the index would refuse (pyproject metadata, the module manifest).
/// </summary>
public sealed class PackagePlan
{
    public IReadOnlyList<PackageEcosystem> Ecosystems { get; private init; } = Array.Empty<PackageEcosystem>();
    /// <summary>Packages as they will be named, with no files yet.</summary>
    public IReadOnlyList<BuiltPackage> Expected { get; private init; } = Array.Empty<BuiltPackage>();
    public IReadOnlyList<string> Descriptions { get; private init; } = Array.Empty<string>();
    public string? ModulePath { get; private init; }
    public IReadOnlyList<string> DotNetProjects { get; private init; } = Array.Empty<string>();

    public static PackagePlan Create(X0Config config, SemVersion version, IReadOnlyList<PackageEcosystem>? ecosystems)
    {
        var root = config.Root;
        var chosen = (ecosystems ?? Detect(config, version)).Distinct().ToList();
        var expected = new List<BuiltPackage>();
        var descriptions = new List<string>();
        string? modulePath = null;
        IReadOnlyList<string> projects = Array.Empty<string>();
        foreach (var eco in chosen)
        {
            switch (eco)
            {
                case PackageEcosystem.Python:
                    var name = PythonPackageChecks.CheckProject(root, version, new List<string>());
                    var pep = Versioning.Pep440.FromSemVer(version);
                    descriptions.Add($"{name} {pep} (sdist + wheel)");
                    expected.Add(new BuiltPackage(PackageEcosystem.Python, name, pep, Array.Empty<PackageFile>()));
                    break;
                case PackageEcosystem.PowerShell:
                    modulePath = PowerShellModulePackager.FindModule(config, version) ?? throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound,
                        $"a built module for {version} (out/<Name>/{version.Major}.{version.Minor}.{version.Patch}/<Name>.psd1, <Name>/<Name>.psd1 or [tool.x0tta6bl4.packages] module_path)",
                        "none", "Build the module first, or set module_path", root);
                    var (module, galleryVersion) = PowerShellModulePackager.CheckManifest(modulePath, version);
                    descriptions.Add($"{module} {galleryVersion} (module nupkg)");
                    expected.Add(new BuiltPackage(PackageEcosystem.PowerShell, module, galleryVersion, Array.Empty<PackageFile>()));
                    break;
                case PackageEcosystem.DotNet:
                    projects = DotNetPackager.FindProjects(config);
                    if (projects.Count == 0)
                    {
                        throw new X0Exception(ErrorIds.PackageInvalid, X0ErrorCategory.ObjectNotFound, "a solution or projects to pack", "none",
                            "Set [tool.x0tta6bl4.packages] dotnet_projects", root);
                    }
                    descriptions.Add($"{string.Join(", ", projects.Select(Path.GetFileName))} {version} (dotnet pack)");
                    break;
            }
        }
        return new PackagePlan { Ecosystems = chosen, Expected = expected, Descriptions = descriptions, ModulePath = modulePath, DotNetProjects = projects };
    }

    private static List<PackageEcosystem> Detect(X0Config config, SemVersion version)
    {
        var found = new List<PackageEcosystem>();
        if (PythonPackageChecks.ProjectTable(config.Root) is not null) found.Add(PackageEcosystem.Python);
        if (PowerShellModulePackager.FindModule(config, version) is not null) found.Add(PackageEcosystem.PowerShell);
        if (ConfigLoader.Table(config.Settings, "packages")?.ContainsKey("dotnet_projects") == true) found.Add(PackageEcosystem.DotNet);
        return found;
    }
}

/// <summary>Builds and validates what a <see cref="PackagePlan"/> names; shared by the release step and Build-X0Package.</summary>
public static class PackageBuild
{
    public static async Task<List<BuiltPackage>> BuildAsync(X0Config config, string commit, SemVersion version, PackagePlan plan,
        Func<PackageEcosystem, string> outputFor, bool clean, PackageReleaseOptions options, X0Context context)
    {
        var env = PackageSteps.Env(options);
        var built = new List<BuiltPackage>();
        var index = 0;
        var epoch = (await new Git.GitCli(config.Root).RunAsync(new[] { "log", "-1", "--format=%ct", commit }, context.Cancellation).ConfigureAwait(false)).StandardOutput.Trim();
        var commitTime = DateTimeOffset.FromUnixTimeSeconds(long.Parse(epoch, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var eco in plan.Ecosystems)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            context.Progress.Report(new X0Progress("Building packages", eco.ToString(), index++ * 100 / plan.Ecosystems.Count, Id: 30));
            var output = outputFor(eco);
            if (clean && Directory.Exists(output)) Directory.Delete(output, recursive: true);
            switch (eco)
            {
                case PackageEcosystem.Python:
                    var isolated = ConfigLoader.Bool(ConfigLoader.Table(config.Settings, "packages"), "isolated_build") ?? false;
                    var python = await PythonPackageBuilder.BuildAsync(config.Root, commit, version, output, env, isolated, context).ConfigureAwait(false);
                    var strict = options.Strict ?? ConfigLoader.Bool(ConfigLoader.Table(config.Settings, "packages"), "strict") ?? false;
                    var (checks, warnings) = await PythonPackageBuilder.ValidateAsync(config.Root, python, version, env, strict, options.Purpose, context).ConfigureAwait(false);
                    built.Add(python with { Checks = python.Checks.Concat(checks).ToList(), Warnings = warnings });
                    break;
                case PackageEcosystem.PowerShell:
                    built.Add(await PowerShellModulePackager.PackAsync(plan.ModulePath!, version, output, options.PowerShell, commitTime, context).ConfigureAwait(false));
                    break;
                case PackageEcosystem.DotNet:
                    built.AddRange(await DotNetPackager.PackAsync(plan.DotNetProjects, version, output, commitTime, context).ConfigureAwait(false));
                    break;
            }
        }
        context.Progress.Report(new X0Progress("Building packages", "done", 100, Id: 30, Completed: true));
        return built;
    }
}

/// <summary>
/// PyPI (or another index speaking its upload API): reads the JSON API for the version first — every
/// file there with the same sha256 → AlreadyDone; a file name there with other bytes → error (PyPI never
/// lets a name be reused), nothing uploaded; otherwise uploads only the missing files. A 400 "File
/// already exists" and a 5xx are re-checked the same way before anything is repeated.
/// </summary>
public sealed class PyPIStep : ReleaseStep
{
    private const int Attempts = 3;
    private readonly PackageReleaseOptions _options;
    private PyPICredential? _credential;
    private List<PackageFile> _missing = new();
    private PyPIIndex? _index;

    public PyPIStep(PackageReleaseOptions options) => _options = options;

    public override string Name => "PyPI";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var package = state.Packages.FirstOrDefault(p => p.Ecosystem == PackageEcosystem.Python);
        if (package is null) return StepPlan.Skip("no Python package in this release");
        var env = PackageSteps.Env(_options);
        _index = PyPIIndex.Resolve(_options.PyPIRepository, state.Config, env);
        // No way to upload and no sign that an upload was wanted: say so without touching the network (an
        // offline or private machine must not fail a local release on an index it was never asked to publish
        // to). Asked for an index (-PyPIRepository, [tool.x0tta6bl4.pypi], TWINE_REPOSITORY_URL), the same
        // absence is an error further down, which explains the token and trusted-publishing options.
        var (trusted, asked) = Intent(state, env);
        if (!trusted && !asked && PyPICredential.Resolve(_options, env) is null && PackageSteps.EnvValue(env, "ACTIONS_ID_TOKEN_REQUEST_URL") is null)
        {
            context.Log.Warning($"No PyPI credentials: {package.Name} {package.Version} is not uploaded to {_index}.");
            return StepPlan.Skip($"no PyPI token (-PyPIToken, PYPI_API_TOKEN, TWINE_PASSWORD or pypi.token_secret) and no GitHub Actions OIDC token for trusted publishing: {package.Name} {package.Version} not uploaded to {_index}");
        }
        using var client = new PyPIClient(_index, _options.Handler);
        var ct = context.Cancellation;
        var existing = await client.GetReleaseFilesAsync(package.Name, package.Version, ct).ConfigureAwait(false);

        if (package.Files.Count == 0)
        {
            // -WhatIf: nothing built yet; say what the index holds for the version.
            return existing.Count == 0
                ? await PlanWithCredentialsAsync(state, package, client, env, $"upload the sdist and wheel of {package.Name} {package.Version} to {_index} (the version is not there yet)", context).ConfigureAwait(false)
                // Todo, not Compute: under -WhatIf only the plan is shown (a Compute plan would be applied).
                : StepPlan.Todo($"{_index} already has {existing.Count} file(s) for {package.Name} {package.Version} ({string.Join(", ", existing.Select(e => e.Filename))}): the build must reproduce them byte for byte, or the upload fails",
                    $"{_index}: {package.Name} {package.Version}", "Upload to the Python package index");
        }

        _missing = new List<PackageFile>();
        var present = new List<string>();
        foreach (var file in package.Files)
        {
            var there = existing.FirstOrDefault(e => e.Filename == file.Name);
            if (there is null)
            {
                _missing.Add(file);
            }
            else if (there.Sha256 == file.Sha256)
            {
                present.Add(file.Name);
            }
            else
            {
                throw Reused(file, there.Sha256);
            }
        }
        if (_missing.Count == 0)
        {
            return StepPlan.AlreadyDone($"{package.Name} {package.Version} on {_index}: {string.Join(", ", present)} (sha256 match)");
        }
        return await PlanWithCredentialsAsync(state, package, client, env,
            $"upload {string.Join(", ", _missing.Select(m => m.Name))} to {_index}" + (present.Count > 0 ? $" ({string.Join(", ", present)} already there)" : string.Empty), context).ConfigureAwait(false);
    }

    private X0Exception Reused(PackageFile file, string theirs) =>
        new(ErrorIds.PackageFileReused, X0ErrorCategory.ResourceExists,
            $"{file.Name} on {_index} to be absent or to have sha256 {file.Sha256[..16]}… (this release's file)",
            $"the filename already used with different content (sha256 {(theirs.Length >= 16 ? theirs[..16] : theirs)}…)",
            "PyPI never accepts other bytes under a used file name: release a new version (Step-X0Version -Patch); nothing was uploaded or retried", file.Name);

    /// <summary>Work to do: find the credentials now (and mint a trusted-publishing token), so problems show before any upload.</summary>
    private async Task<StepPlan> PlanWithCredentialsAsync(ReleaseState state, BuiltPackage package, PyPIClient client,
        IReadOnlyDictionary<string, string?> env, string work, X0Context context)
    {
        var (trusted, _) = Intent(state, env);
        _credential = trusted ? null : PyPICredential.Resolve(_options, env);
        if (_credential is null)
        {
            var canTrust = PackageSteps.EnvValue(env, "ACTIONS_ID_TOKEN_REQUEST_URL") is not null;
            if (trusted || canTrust)
            {
                _credential = await client.TrustedPublishingAsync(package.Name, env, context.Cancellation).ConfigureAwait(false);
            }
            else
            {
                // Reconcile already skipped when no index was asked for; here one was, and a release that
                // silently leaves it out would go green without publishing.
                var inActions = string.Equals(PackageSteps.EnvValue(env, "GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);
                throw new X0Exception(ErrorIds.PackageCredentialMissing, X0ErrorCategory.AuthenticationError,
                    $"credentials to upload {package.Name} {package.Version} to {_index}", "no token and no OIDC token for trusted publishing",
                    (inActions
                        ? "Give the job 'permissions: id-token: write' for trusted publishing (and register this workflow as a trusted publisher on the index), or "
                        : "") + "pass -PyPIToken / -PyPICredential, set PYPI_API_TOKEN or TWINE_PASSWORD, or name a SecretManagement secret in [tool.x0tta6bl4.pypi] token_secret",
                    $"{package.Name} {package.Version}");
            }
        }
        return StepPlan.Todo($"{work} as {_credential.Source}", $"{_index}: {package.Name} {package.Version}", "Upload to the Python package index");
    }

    /// <summary>Trusted publishing demanded (-TrustedPublishing, pypi.trusted_publishing); an index asked for
    /// (-PyPIRepository, a [tool.x0tta6bl4.pypi] table, TWINE_REPOSITORY_URL).</summary>
    private (bool Trusted, bool Asked) Intent(ReleaseState state, IReadOnlyDictionary<string, string?> env)
    {
        var settings = ConfigLoader.Table(state.Config.Settings, "pypi");
        var trusted = _options.TrustedPublishing || (ConfigLoader.Bool(settings, "trusted_publishing") ?? false);
        var asked = _options.PyPIRepository is not null || settings is not null || PackageSteps.EnvValue(env, "TWINE_REPOSITORY_URL") is not null;
        return (trusted, asked);
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var package = state.Packages.First(p => p.Ecosystem == PackageEcosystem.Python);
        using var client = new PyPIClient(_index!, _options.Handler);
        var ct = context.Cancellation;
        var uploaded = new List<string>();
        var raced = new List<string>();
        var i = 0;
        foreach (var file in _missing)
        {
            i++;
            var meta = CoreMetadata.Read(file.Path);
            var size = file.Size;
            var progress = new Progress<long>(sent => context.Progress.Report(new X0Progress($"Uploading {file.Name}", $"{sent:N0} of {size:N0} bytes",
                size == 0 ? 100 : (int)(sent * 100 / size), 40 + i, 0)));
            for (var attempt = 1; ; attempt++)
            {
                var (outcome, detail) = await client.UploadAsync(file, meta, _credential!, progress, ct).ConfigureAwait(false);
                if (outcome == UploadOutcome.Uploaded)
                {
                    uploaded.Add(file.Name);
                    break;
                }
                // Re-read the truth before repeating anything: the upload may have landed (a 502 after storing,
                // another run at the same time).
                context.Log.Warning($"Uploading {file.Name}: {detail}; checking what {_index} holds");
                var there = (await client.GetReleaseFilesAsync(package.Name, package.Version, ct).ConfigureAwait(false)).FirstOrDefault(e => e.Filename == file.Name);
                if (there is not null)
                {
                    if (there.Sha256 != file.Sha256) throw Reused(file, there.Sha256);
                    raced.Add(file.Name);
                    break;
                }
                if (outcome == UploadOutcome.AlreadyExists)
                {
                    // The name is burnt (deleted files stay reserved on PyPI) yet not served: no retry can succeed.
                    throw new X0Exception(ErrorIds.PackageFileReused, X0ErrorCategory.ResourceExists, $"{file.Name} to be free on {_index}",
                        $"{detail} (the file name was used before, possibly by a deleted file)", "Release a new version; PyPI never lets a file name be reused", file.Name);
                }
                if (attempt >= Attempts)
                {
                    throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ResourceUnavailable, $"{_index} to accept {file.Name}",
                        $"{detail} ({attempt} attempts)", "Publish again later: files already uploaded are recognised by their sha256", file.Name);
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct).ConfigureAwait(false);
            }
            context.Progress.Report(new X0Progress($"Uploading {file.Name}", "done", 100, 40 + i, 0, Completed: true));
        }

        // Verify: every file on the index with our digest (the JSON API may lag behind a CDN briefly).
        var missing = package.Files.Select(f => f.Name).ToList();
        for (var attempt = 0; attempt < 5 && missing.Count > 0; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
            var now = await client.GetReleaseFilesAsync(package.Name, package.Version, ct).ConfigureAwait(false);
            foreach (var f in package.Files)
            {
                var there = now.FirstOrDefault(e => e.Filename == f.Name);
                if (there is not null && there.Sha256 != f.Sha256) throw Reused(f, there.Sha256);
                if (there is not null) missing.Remove(f.Name);
            }
        }
        var text = $"{package.Name} {package.Version} on {_index} as {_credential!.Source}: uploaded {(uploaded.Count == 0 ? "nothing" : string.Join(", ", uploaded))}" +
                   (raced.Count > 0 ? $"; already there with the same sha256: {string.Join(", ", raced)}" : string.Empty) +
                   (missing.Count == 0 ? " (sha256 verified)" : $" (not yet listed by the JSON API: {string.Join(", ", missing)})");
        return text;
    }
}

/// <summary>
/// NuGet feeds and the PowerShell Gallery: for every nupkg of the release and every feed, read what the
/// feed serves for the id and version — the same package → AlreadyDone, another → error; push only what
/// is missing; a 409 is compared the same way; 401/403 says the key was refused (never the key).
/// </summary>
public sealed class NuGetStep : ReleaseStep
{
    private const int Attempts = 3;
    private readonly PackageReleaseOptions _options;
    private readonly List<(NuGetFeed Feed, BuiltPackage Package)> _todo = new();
    private List<NuGetFeed> _feeds = new();

    public NuGetStep(PackageReleaseOptions options) => _options = options;

    public override string Name => "NuGet";

    private static string? ApiKey(PackageReleaseOptions options, IReadOnlyDictionary<string, string?> env) =>
        options.NuGetApiKey is { Length: > 0 } k ? SecretRedactor.Register(k)
        : PackageSteps.EnvValue(env, "NUGET_API_KEY") is { } e ? SecretRedactor.Register(e)
        : PackageSteps.EnvValue(env, "PSGALLERY_API_KEY") is { } g ? SecretRedactor.Register(g)
        : null;

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var packages = state.Packages.Where(p => p.Ecosystem is PackageEcosystem.PowerShell or PackageEcosystem.DotNet).ToList();
        if (packages.Count == 0) return StepPlan.Skip("no NuGet or PowerShell package in this release");
        var env = PackageSteps.Env(_options);
        var key = ApiKey(_options, env);
        var specs = _options.NuGetRepositories.ToList();
        if (specs.Count == 0 && ConfigLoader.Table(state.Config.Settings, "nuget") is { } nuget && nuget.TryGetValue("repositories", out var r) && r is Tomlyn.Model.TomlArray arr)
        {
            specs.AddRange(arr.OfType<string>());
        }
        if (specs.Count == 0)
        {
            if (key is null)
            {
                return StepPlan.Skip($"no feed (-NuGetRepository) and no API key (NUGET_API_KEY): {string.Join(", ", packages.Select(p => $"{p.Name} {p.Version}"))} not pushed");
            }
            // With a key and no feed: the public home of each kind.
            specs.Add(packages.Any(p => p.Ecosystem == PackageEcosystem.PowerShell) ? "PSGallery" : "nuget.org");
        }
        _feeds = specs.Select(s => NuGetFeed.Resolve(s, state.Config.Root)).ToList();
        _todo.Clear();
        var present = new List<string>();
        var ct = context.Cancellation;
        foreach (var feed in _feeds)
        {
            using var client = new NuGetFeedClient(feed, _options.Handler);
            foreach (var package in packages)
            {
                var there = await client.DownloadAsync(package.Name, package.Version, ct).ConfigureAwait(false);
                if (there is null)
                {
                    _todo.Add((feed, package));
                    continue;
                }
                if (package.Files.Count == 0)
                {
                    present.Add($"{package.Name} {package.Version} on {feed} (to be compared once built)");
                    continue;
                }
                var ours = await File.ReadAllBytesAsync(package.Files[0].Path, ct).ConfigureAwait(false);
                if (!NuGetFeedClient.SameContent(ours, there)) throw Differs(feed, package);
                present.Add($"{package.Name} {package.Version} on {feed}");
            }
        }
        if (_todo.Count == 0 && packages.All(p => p.Files.Count > 0)) return StepPlan.AlreadyDone(string.Join("; ", present) + " (same package)");
        if (_todo.Count == 0)
        {
            // -WhatIf: nothing built to compare yet.
            return StepPlan.Todo(string.Join("; ", present), string.Join(", ", _feeds.Select(f => f.Display)), "Push packages");
        }
        if (key is null && _todo.Any(t => !t.Feed.IsFolder))
        {
            throw new X0Exception(ErrorIds.PackageCredentialMissing, X0ErrorCategory.AuthenticationError,
                $"an API key to push to {string.Join(", ", _todo.Where(t => !t.Feed.IsFolder).Select(t => t.Feed.Display).Distinct())}", "none",
                "Pass -NuGetApiKey, set NUGET_API_KEY, or name a SecretManagement secret in [tool.x0tta6bl4.nuget] api_key_secret", _todo[0].Feed.Display);
        }
        var work = string.Join("; ", _todo.Select(t => $"push {t.Package.Name} {t.Package.Version} to {t.Feed}"));
        return StepPlan.Todo(work + (present.Count > 0 ? $" ({string.Join("; ", present)} already)" : string.Empty),
            string.Join(", ", _todo.Select(t => t.Feed.Display).Distinct()), "Push packages");
    }

    private static X0Exception Differs(NuGetFeed feed, BuiltPackage package) =>
        new(ErrorIds.PackageVersionExists, X0ErrorCategory.ResourceExists,
            $"{package.Name} {package.Version} on {feed} to be absent or this release's package",
            "that version already published with different content", "A published version cannot change: release a new version", $"{package.Name} {package.Version}");

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var env = PackageSteps.Env(_options);
        var key = ApiKey(_options, env);
        var ct = context.Cancellation;
        var done = new List<string>();
        var i = 0;
        foreach (var (feed, package) in _todo)
        {
            i++;
            using var client = new NuGetFeedClient(feed, _options.Handler);
            var file = package.Files[0];
            context.Progress.Report(new X0Progress($"Pushing {file.Name}", feed.Display, 0, 60 + i, 0));
            for (var attempt = 1; ; attempt++)
            {
                var (outcome, detail) = await client.PushAsync(file, package.Name, package.Version, feed.IsFolder ? null : key, ct).ConfigureAwait(false);
                if (outcome == PushOutcome.Pushed)
                {
                    // Verify what the feed serves now.
                    var served = await client.DownloadAsync(package.Name, package.Version, ct).ConfigureAwait(false);
                    var ours = await File.ReadAllBytesAsync(file.Path, ct).ConfigureAwait(false);
                    done.Add(served is null ? $"{package.Name} {package.Version} → {feed} (pushed; not served yet)"
                        : NuGetFeedClient.SameContent(ours, served) ? $"{package.Name} {package.Version} → {feed} (verified)"
                        : throw Differs(feed, package));
                    break;
                }
                var there = await client.DownloadAsync(package.Name, package.Version, ct).ConfigureAwait(false);
                if (there is not null)
                {
                    var ours = await File.ReadAllBytesAsync(file.Path, ct).ConfigureAwait(false);
                    if (!NuGetFeedClient.SameContent(ours, there)) throw Differs(feed, package);
                    done.Add($"{package.Name} {package.Version} on {feed} already (same package after {(outcome == PushOutcome.Conflict ? "409" : detail)})");
                    break;
                }
                if (outcome == PushOutcome.Conflict)
                {
                    throw new X0Exception(ErrorIds.PackageVersionExists, X0ErrorCategory.ResourceExists, $"{package.Name} {package.Version} to be free or downloadable on {feed}",
                        $"409 ({detail}) but the feed does not serve it (still validating, or unlisted/deleted)", "Publish again in a few minutes to compare, or release a new version", package.Name);
                }
                if (attempt >= Attempts)
                {
                    throw new X0Exception(ErrorIds.PackageIndexUnavailable, X0ErrorCategory.ResourceUnavailable, $"{feed} to accept {file.Name}", $"{detail} ({attempt} attempts)",
                        "Publish again later: pushed packages are recognised by their content", file.Name);
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct).ConfigureAwait(false);
            }
            context.Progress.Report(new X0Progress($"Pushing {file.Name}", "done", 100, 60 + i, 0, Completed: true));
        }
        return string.Join("; ", done);
    }
}

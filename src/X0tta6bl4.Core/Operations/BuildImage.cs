using System.Diagnostics;
using Semver;
using X0tta6bl4.Core.Config;
using X0tta6bl4.Core.Containers;
using X0tta6bl4.Core.Containers.BuildKit;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Operations;

/// <summary>What Build-X0Image was asked to do.</summary>
public sealed record BuildImageRequest
{
    /// <summary>Project root (configuration, git, metadata).</summary>
    public required string Path { get; init; }
    public string? Context { get; init; }
    public string? Dockerfile { get; init; }
    public string? Repository { get; init; }
    /// <summary>Explicit tags: replace the tag policy.</summary>
    public IReadOnlyList<string>? Tags { get; init; }
    /// <summary>The release version (SemVer or PEP 440), e.g. from Step-X0Version.</summary>
    public string? Version { get; init; }
    public string? Target { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public bool NoCache { get; init; }
    public bool Pull { get; init; }
    public bool Push { get; init; }
    public RegistryCredential? Credential { get; init; }
    /// <summary>Add tags to an image already in the registry instead of building.</summary>
    public bool Promote { get; init; }
    /// <summary>With <see cref="Promote"/>: the image's manifest digest.</summary>
    public string? Digest { get; init; }
    /// <summary>With <see cref="Promote"/>: a tag naming the image, when the digest is not given.</summary>
    public string? SourceTag { get; init; }
    /// <summary>Process environment (DOCKER_HOST, GITHUB_*, DOCKER_CONFIG…); injected for tests.</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }
    /// <summary>Build secrets by id (in addition to images.secrets).</summary>
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();
    /// <summary>Images whose inline cache to reuse ("self": this build's own tags); null: images.cache_from.</summary>
    public IReadOnlyList<string>? CacheFrom { get; init; }
    /// <summary>Write the inline cache into the image; null: images.inline_cache (on by default).</summary>
    public bool? InlineCache { get; init; }
    /// <summary>os/arch platforms; null: images.platforms, else the engine's own.</summary>
    public IReadOnlyList<string>? Platforms { get; init; }
    /// <summary>Network of RUN steps: default, none or host; null: none on an engine without a bridge network.</summary>
    public string? Network { get; init; }
}

/// <summary>Everything a build will do, found by read-only checks. -WhatIf shows exactly this.</summary>
public sealed class BuildImagePlan
{
    public required string ProjectRoot { get; init; }
    public BuildContext? Context { get; init; }
    public BuildContextSummary? ContextSummary { get; init; }
    public required ImageRepository Repository { get; init; }
    public required ImageTagPlan Tags { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public string? Target { get; init; }
    public bool NoCache { get; init; }
    public bool Pull { get; init; }
    /// <summary>Push requested and allowed (pull-request images are built, not pushed, unless configured).</summary>
    public bool Push { get; init; }
    public bool PushRequested { get; init; }
    public RegistryCredential? Credential { get; init; }
    public EngineInfo? Engine { get; init; }
    public required ImageSource Source { get; init; }
    public SemVersion? Version { get; init; }
    public bool Promote { get; init; }
    public string? SourceDigest { get; init; }
    /// <summary>With push or promote: what the registry holds for each tag now.</summary>
    public PublicationPlan? Registry { get; init; }
    internal bool PlainHttp { get; init; }
    internal DockerEndpointSettings? Endpoint { get; init; }
    internal IReadOnlyDictionary<string, RegistryCredential> PullCredentials { get; init; } = new Dictionary<string, RegistryCredential>();

    public ImageBuilder Builder { get; init; } = ImageBuilder.BuildKit;
    public IReadOnlyList<string> Platforms { get; init; } = Array.Empty<string>();
    /// <summary>Secrets by id; each says where its value comes from, never the value.</summary>
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();
    public IReadOnlyList<string> CacheFrom { get; init; } = Array.Empty<string>();
    public bool InlineCache { get; init; }
    public string? NetworkMode { get; init; }

    public IReadOnlyList<string> References => Tags.Names.Select(Repository.Reference).ToList();

    public string Describe()
    {
        var lines = new List<string>();
        if (Promote)
        {
            lines.Add($"Promote {Repository.DigestReference(SourceDigest!)} (no build)");
        }
        else
        {
            lines.Add($"Build {Repository.Name}{(Target is null ? string.Empty : $" target '{Target}'")} from {Context!.Directory} (Dockerfile {Context.DockerfileName})");
            if (ContextSummary is { } s)
            {
                lines.Add($"  context: {s.Files} files, {s.Directories} directories, {s.Links} links, {FormatBytes(s.Bytes)}");
            }
            if (Engine is { } e) lines.Add($"  engine: Docker {e.ServerVersion} at {e.Endpoint} (API {e.ApiVersion}), {(Builder == ImageBuilder.BuildKit ? "BuildKit" : $"classic builder: {e.NoBuildKitReason}")}");
            if (Platforms.Count > 0) lines.Add($"  platforms: {string.Join(", ", Platforms)}");
            foreach (var secret in Secrets.Values) lines.Add($"  secret {secret}");
            if (CacheFrom.Count > 0) lines.Add($"  cache from: {string.Join(", ", CacheFrom)}");
            if (InlineCache) lines.Add("  inline cache: written into the image");
        }
        lines.Add($"  source: {TagPolicy.Describe(Source.Context)} via {Source.Origin}");
        foreach (var t in Tags.Tags)
        {
            var state = Registry?.Tags.FirstOrDefault(r => r.Tag == t.Tag);
            var registry = state is null ? string.Empty : state.State switch
            {
                TagState.AlreadyDone => "  [registry: already this image]",
                TagState.Missing => "  [registry: new]",
                _ => $"  [registry: moves from {state.CurrentDigest}]",
            };
            lines.Add($"  tag {t.Tag}  ({t.Reason}){registry}");
        }
        foreach (var t in Tags.Skipped ?? Array.Empty<ImageTagDecision>()) lines.Add($"  no tag {t.Tag}: {t.Reason}");
        if (!Promote)
        {
            foreach (var l in Labels.OrderBy(l => l.Key, StringComparer.Ordinal)) lines.Add($"  label {l.Key}={l.Value}");
        }
        if (PushRequested && !Push) lines.Add($"  no push: {Tags.PushBlockedReason}");
        if (Push || Promote) lines.Add($"  {(Promote ? "re-tag in" : "push to")} {Repository.Registry} as {(Credential is null ? "anonymous" : Credential.ToString())}, then verify each tag's digest");
        return string.Join(System.Environment.NewLine, lines);
    }

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>What a build (and push) produced.</summary>
public sealed record BuildImageResult
{
    public string? Id { get; init; }
    public required ImageRepository Repository { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public string? Digest { get; init; }
    public long Size { get; init; }
    public string? Target { get; init; }
    public DateTimeOffset? Created { get; init; }
    public bool Pushed { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<TagOutcome> TagOutcomes { get; init; } = Array.Empty<TagOutcome>();
    /// <summary>The platforms of a manifest list, as os/arch[/variant]; empty for a single image.</summary>
    public IReadOnlyList<string> Platforms { get; init; } = Array.Empty<string>();
}

/// <summary>
/// The use case behind Build-X0Image: plan with read-only checks (configuration, Dockerfile, the whole
/// context walk, the engine, credentials and the registry's current tags), then build with the classic
/// builder, push tag by tag and verify each tag's digest in the registry. -Promote re-tags an image
/// already in the registry by digest through <see cref="ImagePublication"/>, without building.
/// </summary>
public sealed class BuildImage
{
    private const string Activity = "Build-X0Image";
    private readonly Func<DockerEndpointSettings, IImageEngine> _engineFactory;
    private readonly Func<RegistryCredential?, bool, IRegistryClient> _registryFactory;

    public BuildImage(Func<DockerEndpointSettings, IImageEngine>? engineFactory = null,
        Func<RegistryCredential?, bool, IRegistryClient>? registryFactory = null)
    {
        _engineFactory = engineFactory ?? (s => new DockerImageEngine(s, System.Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value)));
        _registryFactory = registryFactory ?? ((c, http) => new RegistryClient(c, http));
    }

    public async Task<BuildImagePlan> PlanAsync(BuildImageRequest request, X0Context context)
    {
        var ct = context.Cancellation;
        var root = System.IO.Path.GetFullPath(request.Path);
        if (!Directory.Exists(root))
        {
            throw new X0Exception(ErrorIds.PathNotFound, X0ErrorCategory.ObjectNotFound,
                "a project directory", $"no directory {root}", "Pass -Path with the project root", root);
        }
        context.Progress.Report(new X0Progress(Activity, "Reading configuration", 2));
        var config = ConfigLoader.Load(root);
        foreach (var w in config.Warnings) context.Log.Warning(w);
        var settings = ImageSettings.From(config);
        foreach (var w in settings.Warnings) context.Log.Warning(w);

        var source = await ImageSourceReader.ReadAsync(root, request.Environment, config.Tags, config.Remote, ct).ConfigureAwait(false);
        var tagContext = source.Context with { Target = request.Target };
        SemVersion? version = null;
        if (!string.IsNullOrWhiteSpace(request.Version))
        {
            version = VersionText.ParseLenient(request.Version!);
            if (tagContext.Version is { } fromGit && fromGit.ComparePrecedenceTo(version) != 0)
            {
                context.Log.Warning($"-Version {version} differs from the release tag {tagContext.RefName} at HEAD; tags follow -Version.");
            }
            tagContext = tagContext with { Version = version };
        }
        version = tagContext.Version;
        context.Log.Verbose($"Tag context: {TagPolicy.Describe(tagContext)} ({source.Origin}), commit {tagContext.Sha ?? "unknown"}");

        var repository = ResolveRepository(request.Repository ?? settings.Repository, source);
        var tags = request.Tags is { Count: > 0 } explicitTags ? Explicit(explicitTags) : TagPolicy.Compute(tagContext, settings.Rules);
        var plainHttp = settings.InsecureRegistries.Contains(repository.Registry, StringComparer.OrdinalIgnoreCase);

        var labelsVersion = version?.ToString() ?? tags.Tags[0].Tag;
        var labels = OciLabels.Compute(ProjectMetadata.Read(root), source, labelsVersion, OciLabels.CreatedAt(request.Environment));
        foreach (var kv in settings.Labels) labels[kv.Key] = kv.Value;
        foreach (var kv in request.Labels) labels[kv.Key] = kv.Value;
        var buildArgs = new Dictionary<string, string>(settings.BuildArgs, StringComparer.Ordinal);
        foreach (var kv in request.BuildArgs) buildArgs[kv.Key] = kv.Value;

        var resolver = new RegistryCredentialResolver(request.Environment);
        RegistryCredential? credential = null;
        if (request.Push || request.Promote || request.Credential is not null)
        {
            credential = await resolver.ResolveAsync(repository, request.Credential, ct).ConfigureAwait(false);
            context.Log.Verbose(credential is null ? $"No credentials for {repository.Registry}: trying anonymously" : $"Credentials for {repository.Registry}: {credential}");
        }

        if (request.Promote)
        {
            return await PlanPromoteAsync(request, context, root, repository, tags, labels, credential, source, version, plainHttp).ConfigureAwait(false);
        }

        context.Progress.Report(new X0Progress(Activity, "Checking the build context", 5));
        var buildContext = BuildContext.Open(ResolveUnder(root, request.Context ?? settings.Context) ?? root,
            ResolveUnder(root, request.Dockerfile ?? settings.Dockerfile));
        // Base images on private registries need credentials too (the engine pulls them with X-Registry-Config).
        var pullCredentials = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);
        if (credential is not null) pullCredentials[repository.Registry] = credential;
        foreach (var baseRepository in BaseImages.Repositories(await File.ReadAllTextAsync(buildContext.DockerfilePath, ct).ConfigureAwait(false), buildArgs))
        {
            if (pullCredentials.ContainsKey(baseRepository.Registry)) continue;
            var explicitCredential = baseRepository.Registry == repository.Registry ? request.Credential : null;
            if (await resolver.ResolveAsync(baseRepository, explicitCredential, ct).ConfigureAwait(false) is { } found)
            {
                pullCredentials[baseRepository.Registry] = found;
                context.Log.Verbose($"Credentials for base images from {baseRepository.Registry}: {found}");
            }
        }

        var watch = Stopwatch.StartNew();
        var summary = buildContext.Validate(ct);
        context.Log.Verbose($"Build context {buildContext.Directory}: {summary.Files} files, {summary.Directories} directories, {summary.Links} links, " +
                            $"{BuildImagePlan.FormatBytes(summary.Bytes)} after .dockerignore ({buildContext.Patterns.Count} patterns), checked in {watch.ElapsedMilliseconds} ms");

        context.Progress.Report(new X0Progress(Activity, "Connecting to the Docker engine", 8));
        var endpoint = DockerEndpoint.Resolve(request.Environment);
        EngineInfo engineInfo;
        using (var engine = _engineFactory(endpoint))
        {
            engineInfo = await engine.ConnectAsync(ct).ConfigureAwait(false);
        }
        context.Log.Verbose($"Docker {engineInfo.ServerVersion} at {engineInfo.Endpoint}, API {engineInfo.ApiVersion} ({engineInfo.Os}/{engineInfo.Architecture})");
        var features = PlanBuildFeatures(request, settings, context, root, repository, tags, engineInfo,
            await File.ReadAllTextAsync(buildContext.DockerfilePath, ct).ConfigureAwait(false), buildContext.DockerfilePath);
        foreach (var cacheRepository in features.CacheFrom.Select(CacheRepository))
        {
            if (cacheRepository is null || pullCredentials.ContainsKey(cacheRepository.Registry)) continue;
            if (await resolver.ResolveAsync(cacheRepository, cacheRepository.Registry == repository.Registry ? request.Credential : null, ct).ConfigureAwait(false) is { } found)
            {
                pullCredentials[cacheRepository.Registry] = found;
            }
        }

        var push = request.Push && tags.PushAllowed;
        PublicationPlan? registryState = null;
        if (push)
        {
            context.Progress.Report(new X0Progress(Activity, $"Checking access to {repository.Registry}", 10));
            using var registry = _registryFactory(credential, plainHttp);
            await registry.CheckAccessAsync(repository, push: true, probePush: false, ct).ConfigureAwait(false);
            registryState = await new ImagePublication(registry).ReadAsync(repository, string.Empty, tags.Names, ct).ConfigureAwait(false);
        }
        else if (request.Push)
        {
            context.Log.Warning($"Not pushing: {tags.PushBlockedReason}");
        }

        return new BuildImagePlan
        {
            ProjectRoot = root,
            Context = buildContext,
            ContextSummary = summary,
            Repository = repository,
            Tags = tags,
            Labels = labels,
            BuildArgs = buildArgs,
            Target = request.Target,
            NoCache = request.NoCache,
            Pull = request.Pull,
            Push = push,
            PushRequested = request.Push,
            Credential = credential,
            Engine = engineInfo,
            Source = source,
            Version = version,
            Registry = registryState,
            PlainHttp = plainHttp,
            Endpoint = endpoint,
            PullCredentials = pullCredentials,
            Builder = features.Builder,
            Platforms = features.Platforms,
            Secrets = features.Secrets,
            CacheFrom = features.CacheFrom,
            InlineCache = features.InlineCache,
            NetworkMode = features.Network,
        };
    }

    private sealed record BuildFeatures(ImageBuilder Builder, IReadOnlyList<string> Platforms, IReadOnlyDictionary<string, BuildSecret> Secrets,
        IReadOnlyList<string> CacheFrom, bool InlineCache, string? Network);

    /// <summary>Builder, secrets, cache and platforms, each checked read-only against what the engine can do.</summary>
    private static BuildFeatures PlanBuildFeatures(BuildImageRequest request, ImageSettings settings, X0Context context, string root,
        ImageRepository repository, ImageTagPlan tags, EngineInfo engine, string dockerfile, string dockerfilePath)
    {
        var builder = engine.BuildKit ? ImageBuilder.BuildKit : ImageBuilder.Classic;
        DockerfileFeatures.Check(dockerfile, dockerfilePath, engine, builder);
        var secrets = new Dictionary<string, BuildSecret>(StringComparer.Ordinal);
        foreach (var (id, source) in settings.Secrets) secrets[id] = BuildSecret.Parse(id, source, root, request.Environment);
        foreach (var (id, secret) in request.Secrets) secrets[id] = secret;
        foreach (var secret in secrets.Values) secret.Check();
        var platforms = (request.Platforms ?? settings.Platforms).Distinct(StringComparer.Ordinal).ToList();
        var cacheFrom = (request.CacheFrom ?? settings.CacheFrom)
            .SelectMany(c => c == "self" ? tags.Names.Select(repository.Reference) : new[] { c }).Distinct(StringComparer.Ordinal).ToList();
        if (builder == ImageBuilder.Classic)
        {
            var needs = new[] { (secrets.Count > 0, "build secrets"), (cacheFrom.Count > 0, "cache import"), (platforms.Count > 0, "-Platform") }
                .Where(n => n.Item1).Select(n => n.Item2).ToList();
            if (needs.Count > 0)
            {
                throw new X0Exception(ErrorIds.ImagePlatformUnsupported, X0ErrorCategory.NotImplemented,
                    $"an engine with BuildKit for {string.Join(", ", needs)}", $"{engine.NoBuildKitReason}",
                    "Build on Docker 18.09 or later on Linux, or drop those options", engine.Endpoint);
            }
            context.Log.Warning($"The engine has no BuildKit ({engine.NoBuildKitReason}): building with the classic builder.");
            return new BuildFeatures(builder, platforms, secrets, cacheFrom, false, request.Network);
        }
        if (platforms.Count > 1 && !(request.Push && tags.PushAllowed))
        {
            // The engine's image store holds one platform per image: the list can only be assembled in a registry.
            throw new X0Exception(ErrorIds.ImagePlatformUnsupported, X0ErrorCategory.InvalidOperation,
                $"-Push for {string.Join(" + ", platforms)} as one manifest list",
                request.Push ? $"a build that may not be pushed ({tags.PushBlockedReason})"
                    : $"no -Push: Docker {engine.ServerVersion}'s image store holds one platform per image, so the list exists only in a registry",
                "Add -Push, or build one -Platform at a time", engine.Endpoint);
        }
        var network = request.Network;
        if (network is null && !engine.HasBridgeNetwork)
        {
            network = "none";
            context.Log.Verbose("The engine has no bridge network (dockerd --bridge=none): RUN steps run with network none.");
        }
        var inlineCache = request.InlineCache ?? settings.InlineCache;
        if (inlineCache) DockerfileFeatures.CheckInlineCache(dockerfile, dockerfilePath, engine);
        return new BuildFeatures(builder, platforms, secrets, cacheFrom, inlineCache, network);
    }

    private static ImageRepository? CacheRepository(string reference)
    {
        var name = reference;
        var at = name.IndexOf('@');
        if (at >= 0) name = name[..at];
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/')) name = name[..colon];
        try
        {
            return ImageRepository.Parse(name);
        }
        catch (X0Exception)
        {
            return null;
        }
    }

    private async Task<BuildImagePlan> PlanPromoteAsync(BuildImageRequest request, X0Context context, string root, ImageRepository repository,
        ImageTagPlan tags, Dictionary<string, string> labels, RegistryCredential? credential, ImageSource source, SemVersion? version, bool plainHttp)
    {
        var ct = context.Cancellation;
        using var registry = _registryFactory(credential, plainHttp);
        context.Progress.Report(new X0Progress(Activity, $"Checking access to {repository.Registry}", 10));
        await registry.CheckAccessAsync(repository, push: true, probePush: false, ct).ConfigureAwait(false);
        var digest = request.Digest;
        if (string.IsNullOrEmpty(digest))
        {
            if (string.IsNullOrEmpty(request.SourceTag))
            {
                throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.InvalidArgument,
                    "the image to promote, as -Digest sha256:… or -SourceTag <tag>", "neither",
                    "Pipe an X0Image from Build-X0Image -Push, or pass -Digest", repository.Name);
            }
            digest = await registry.GetDigestAsync(repository, request.SourceTag!, ct).ConfigureAwait(false)
                ?? throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.ObjectNotFound,
                    $"{repository.Reference(request.SourceTag!)} in the registry", "no such tag",
                    "Push the image first, or check -SourceTag and -Repository", repository.Reference(request.SourceTag!));
        }
        else if (!System.Text.RegularExpressions.Regex.IsMatch(digest, "^sha256:[0-9a-f]{64}$"))
        {
            throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.InvalidArgument,
                "a digest like sha256:<64 hex digits>", $"'{digest}'", "Pass the Digest of an X0Image or of docker inspect's RepoDigests", digest);
        }
        var state = await new ImagePublication(registry).ReadAsync(repository, digest!, tags.Names, ct).ConfigureAwait(false);
        if (await registry.GetDigestAsync(repository, digest!, ct).ConfigureAwait(false) is null)
        {
            throw new X0Exception(ErrorIds.ImageNotFound, X0ErrorCategory.ObjectNotFound,
                $"an image {digest} in {repository.Name}", "no manifest with that digest",
                "Push the image first (Build-X0Image -Push), or check -Digest and -Repository", repository.DigestReference(digest!));
        }
        return new BuildImagePlan
        {
            ProjectRoot = root,
            Repository = repository,
            Tags = tags,
            Labels = labels,
            Credential = credential,
            Source = source,
            Version = version,
            Promote = true,
            SourceDigest = digest,
            Registry = state,
            Push = true,
            PushRequested = true,
            PlainHttp = plainHttp,
            Target = request.Target,
        };
    }

    /// <summary>Builds (unless promoting), then pushes and verifies when the plan says so and <paramref name="push"/> allows.</summary>
    public async Task<BuildImageResult> ExecuteAsync(BuildImagePlan plan, X0Context context, bool push)
    {
        if (plan.Promote)
        {
            return await PromoteAsync(plan, context).ConfigureAwait(false);
        }
        var ct = context.Cancellation;
        push = push && plan.Push;
        using var registry = push ? _registryFactory(plan.Credential, plan.PlainHttp) : null;
        if (registry is not null)
        {
            // Before spending minutes on a build: prove the credentials may push (an upload session is opened and cancelled).
            await registry.CheckAccessAsync(plan.Repository, push: true, probePush: true, ct).ConfigureAwait(false);
        }

        using var engine = _engineFactory(plan.Endpoint!);
        await engine.ConnectAsync(ct).ConfigureAwait(false);
        if (plan.Platforms.Count > 1)
        {
            return await BuildManifestListAsync(engine, registry ?? throw new X0Exception(ErrorIds.ImagePlatformUnsupported, X0ErrorCategory.OperationStopped,
                "the push a manifest list of several platforms needs", "the push was declined", "Confirm the push, or build one -Platform at a time", plan.Repository.Name),
                plan, context).ConfigureAwait(false);
        }
        var imageId = await BuildAsync(engine, plan, plan.Platforms.FirstOrDefault(), context).ConfigureAwait(false);
        var image = await engine.InspectAsync(imageId, ct).ConfigureAwait(false)
            ?? throw new X0Exception(ErrorIds.ImageBuildFailed, X0ErrorCategory.InvalidResult, $"image {imageId} after the build",
                "no such image in the engine", "Run the build again", imageId);

        string? digest = null;
        var outcomes = new List<TagOutcome>();
        var pushed = false;
        if (registry is not null)
        {
            (digest, outcomes) = await PushAsync(engine, registry, plan, image, context).ConfigureAwait(false);
            pushed = true;
            // Reconcile-then-act may have found everything in place; the image now has its repo digest either way.
            image = await engine.InspectAsync(imageId, ct).ConfigureAwait(false) ?? image;
        }
        else
        {
            digest = RepoDigest(image, plan.Repository);
        }
        context.Progress.Report(new X0Progress(Activity, "Done", 100, Completed: true));
        return new BuildImageResult
        {
            Id = image.Id,
            Repository = plan.Repository,
            Tags = plan.Tags.Names,
            Digest = digest,
            Size = image.Size,
            Target = plan.Target,
            Created = image.Created,
            Pushed = pushed,
            Labels = image.Labels,
            TagOutcomes = outcomes,
        };
    }

    /// <summary>
    /// Each platform built on its own and uploaded by digest, then one manifest list under every tag,
    /// verified: what buildx does with a multi-platform builder, on an engine that stores one platform per image.
    /// </summary>
    private static async Task<BuildImageResult> BuildManifestListAsync(IImageEngine engine, IRegistryClient registry, BuildImagePlan plan, X0Context context)
    {
        var ct = context.Cancellation;
        var publisher = new MultiPlatformImage(engine, registry);
        var manifests = new List<PlatformManifest>();
        foreach (var platform in plan.Platforms)
        {
            var id = await BuildAsync(engine, plan, platform, context).ConfigureAwait(false);
            context.Progress.Report(new X0Progress(Activity, $"Uploading {platform} to {plan.Repository.Registry}", 90));
            manifests.Add(await publisher.UploadAsync(plan.Repository, id, context.Log, ct).ConfigureAwait(false));
        }
        var list = MultiPlatformImage.ManifestList(manifests);
        var publication = new ImagePublication(registry);
        var state = await publication.ReadAsync(plan.Repository, list.Digest, plan.Tags.Names, ct).ConfigureAwait(false);
        foreach (var tag in state.Pending)
        {
            await registry.PutManifestAsync(plan.Repository, tag.Tag, list, ct).ConfigureAwait(false);
        }
        context.Progress.Report(new X0Progress(Activity, $"Verifying digests in {plan.Repository.Registry}", 98));
        await publication.VerifyAsync(plan.Repository, list.Digest, plan.Tags.Names, ct).ConfigureAwait(false);
        context.Log.Verbose($"Verified: {plan.Tags.Names.Count} tag(s) name the manifest list {list.Digest} of {string.Join(", ", manifests.Select(m => m.Platform))}");
        context.Progress.Report(new X0Progress(Activity, "Done", 100, Completed: true));
        return new BuildImageResult
        {
            Repository = plan.Repository,
            Tags = plan.Tags.Names,
            Digest = list.Digest,
            Target = plan.Target,
            Pushed = true,
            Labels = plan.Labels,
            TagOutcomes = state.Tags.Select(t => new TagOutcome(t.Tag, list.Digest, t.State)).ToList(),
            Platforms = manifests.Select(m => m.Platform).ToList(),
        };
    }

    private static async Task<string> BuildAsync(IImageEngine engine, BuildImagePlan plan, string? platform, X0Context context)
    {
        var ct = context.Cancellation;
        var total = plan.ContextSummary?.Bytes ?? 0;
        var sent = new Progress<long>(bytes => context.Progress.Report(new X0Progress("Sending build context",
            $"{BuildImagePlan.FormatBytes(bytes)} of {BuildImagePlan.FormatBytes(total)}", total > 0 ? (int)Math.Min(100, 100 * bytes / total) : -1, Id: 1, ParentId: 0,
            Completed: total > 0 && bytes >= total)));
        context.Progress.Report(new X0Progress(Activity, $"Sending build context to the engine ({BuildImagePlan.FormatBytes(total)})", 12));

        var spec = new ImageBuildSpec
        {
            Builder = plan.Builder,
            Dockerfile = plan.Context!.DockerfileName,
            // A platform of a manifest list is pushed by digest only: no tag ever names it alone.
            References = plan.Platforms.Count > 1 ? Array.Empty<string>() : plan.References,
            Target = plan.Target,
            BuildArgs = plan.BuildArgs,
            Labels = plan.Labels,
            NoCache = plan.NoCache,
            Pull = plan.Pull,
            RegistryCredentials = plan.PullCredentials,
            Platform = platform,
            CacheFrom = plan.CacheFrom,
            InlineCache = plan.InlineCache,
            NetworkMode = plan.NetworkMode,
            Secrets = plan.Secrets,
        };
        var what = plan.Repository.Name + (plan.Target is null ? string.Empty : $" (target {plan.Target})") + (platform is null ? string.Empty : $" for {platform}");
        var watch = Stopwatch.StartNew();
        string id;
        var buildContext = plan.Builder == ImageBuilder.BuildKit ? plan.Context.ForBuildKit() : plan.Context;
        await using (var tar = buildContext.OpenTarStream(sent, ct))
        {
            id = plan.Builder == ImageBuilder.BuildKit
                ? await BuildWithBuildKitAsync(engine, spec, tar, what, context).ConfigureAwait(false)
                : await BuildClassicAsync(engine, spec, tar, what, context).ConfigureAwait(false);
        }
        context.Log.Verbose($"Built {id} in {watch.Elapsed.TotalSeconds:0.0} s");
        return id;
    }

    private static async Task<string> BuildWithBuildKitAsync(IImageEngine engine, ImageBuildSpec spec, Stream tar, string what, X0Context context)
    {
        var interpreter = new BuildKitStreamInterpreter(line => context.Log.Verbose(line));
        interpreter.StepStarted += step => context.Progress.Report(new X0Progress(Activity,
            $"#{step.Number} {step.Name}{(step.Cached ? " (cached)" : string.Empty)}", 15 + (int)(80.0 * step.Completed / Math.Max(1, step.Known))));
        interpreter.Transfer += (step, task, current, totalBytes) => context.Progress.Report(new X0Progress(step,
            totalBytes > 0 ? $"{task}: {BuildImagePlan.FormatBytes(current)} of {BuildImagePlan.FormatBytes(totalBytes)}" : $"{task}: {BuildImagePlan.FormatBytes(current)}",
            totalBytes > 0 ? (int)Math.Min(100, 100 * current / totalBytes) : -1, Id: 3, ParentId: 0));
        if (engine is DockerImageEngine docker) docker.OnSessionRequest = request => context.Log.Verbose($"The build asked for {request}");
        await engine.BuildAsync(spec, tar, interpreter.Accept, context.Cancellation).ConfigureAwait(false);
        string id;
        try
        {
            id = interpreter.Complete(what);
        }
        catch (X0Exception ex) when (spec.Platform is { } platform && ex.Found.Contains("exec format error", StringComparison.Ordinal))
        {
            throw new X0Exception(ErrorIds.ImagePlatformUnsupported, X0ErrorCategory.NotImplemented,
                $"an engine that runs {platform} programs for the RUN steps of {what}", ex.Found,
                $"Register QEMU emulators on the engine's host (apt-get install qemu-user-static binfmt-support), or build {platform} on an engine of that architecture",
                platform, ex);
        }
        context.Log.Verbose($"BuildKit: {interpreter.StepNames.Count} steps, {interpreter.CachedSteps} from the cache");
        return id;
    }

    private static async Task<string> BuildClassicAsync(IImageEngine engine, ImageBuildSpec spec, Stream tar, string what, X0Context context)
    {
        var interpreter = new BuildStreamInterpreter(line =>
        {
            if (line.Trim().Length > 0) context.Log.Verbose(line);
        });
        interpreter.StepStarted += (n, m, instruction) =>
            context.Progress.Report(new X0Progress(Activity, $"Step {n}/{m}: {instruction}", 15 + (int)(80.0 * (n - 1) / Math.Max(1, m))));
        await engine.BuildAsync(spec, tar, interpreter.Accept, context.Cancellation).ConfigureAwait(false);
        return interpreter.Complete(what);
    }

    private static async Task<(string Digest, List<TagOutcome> Outcomes)> PushAsync(IImageEngine engine, IRegistryClient registry,
        BuildImagePlan plan, EngineImage image, X0Context context)
    {
        var ct = context.Cancellation;
        var publication = new ImagePublication(registry);
        var outcomes = new List<TagOutcome>();

        // Reconcile first: an image the registry already holds under every tag needs no push.
        if (RepoDigest(image, plan.Repository) is { } known)
        {
            var state = await publication.ReadAsync(plan.Repository, known, plan.Tags.Names, ct).ConfigureAwait(false);
            if (state.AllDone)
            {
                context.Log.Verbose($"Every tag already names {known} in {plan.Repository.Registry}: nothing to push");
                return (known, state.Tags.Select(t => new TagOutcome(t.Tag, known, TagState.AlreadyDone)).ToList());
            }
        }

        string? digest = null;
        var index = 0;
        foreach (var tag in plan.Tags.Names)
        {
            ct.ThrowIfCancellationRequested();
            var before = await registry.GetDigestAsync(plan.Repository, tag, ct).ConfigureAwait(false);
            var interpreter = new PushStreamInterpreter();
            var reference = plan.Repository.Reference(tag);
            context.Progress.Report(new X0Progress(Activity, $"Pushing {reference}", 95, CurrentOperation: $"tag {++index} of {plan.Tags.Names.Count}"));
            await engine.PushAsync(plan.Repository, tag, plan.Credential, m =>
            {
                interpreter.Accept(m);
                if (m.Status is { } s && m.ProgressTotal is null) context.Log.Verbose($"{reference}: {(m.Id is null ? s : m.Id + ": " + s)}");
                if (interpreter.BytesTotal > 0)
                {
                    context.Progress.Report(new X0Progress($"Pushing {reference}", $"{BuildImagePlan.FormatBytes(interpreter.BytesCurrent)} of {BuildImagePlan.FormatBytes(interpreter.BytesTotal)}",
                        (int)Math.Min(100, 100 * interpreter.BytesCurrent / interpreter.BytesTotal), Id: 2, ParentId: 0));
                }
            }, ct).ConfigureAwait(false);
            var pushedDigest = interpreter.Complete(plan.Repository, tag, plan.Credential);
            if (digest is not null && digest != pushedDigest)
            {
                throw new X0Exception(ErrorIds.ImageDigestMismatch, X0ErrorCategory.InvalidResult,
                    $"every tag of one build to push the same manifest ({digest})", $"{reference} pushed {pushedDigest}",
                    "Another process may have retagged the image during the push; run the command again", reference);
            }
            digest = pushedDigest;
            var state = before is null ? TagState.Missing : before == pushedDigest ? TagState.AlreadyDone : TagState.Moves;
            outcomes.Add(new TagOutcome(tag, pushedDigest, state));
            context.Log.Verbose($"Pushed {reference} → {pushedDigest}");
        }
        context.Progress.Report(new X0Progress(Activity, $"Verifying digests in {plan.Repository.Registry}", 98));
        await publication.VerifyAsync(plan.Repository, digest!, plan.Tags.Names, ct).ConfigureAwait(false);
        context.Log.Verbose($"Verified: {plan.Tags.Names.Count} tag(s) name {digest} in {plan.Repository.Registry}");
        return (digest!, outcomes);
    }

    private async Task<BuildImageResult> PromoteAsync(BuildImagePlan plan, X0Context context)
    {
        var ct = context.Cancellation;
        using var registry = _registryFactory(plan.Credential, plan.PlainHttp);
        var publication = new ImagePublication(registry);
        context.Progress.Report(new X0Progress(Activity, $"Re-tagging {plan.SourceDigest} in {plan.Repository.Registry}", 50));
        // Read again right before acting: the plan may be minutes old under -Confirm.
        var state = await publication.ReadAsync(plan.Repository, plan.SourceDigest!, plan.Tags.Names, ct).ConfigureAwait(false);
        var outcomes = await publication.ApplyAsync(state, context.Log, ct).ConfigureAwait(false);
        var (configDigest, size, created, labels) = await publication.DescribeAsync(plan.Repository, plan.SourceDigest!, ct).ConfigureAwait(false);
        context.Progress.Report(new X0Progress(Activity, "Done", 100, Completed: true));
        return new BuildImageResult
        {
            Id = configDigest,
            Repository = plan.Repository,
            Tags = plan.Tags.Names,
            Digest = plan.SourceDigest,
            Size = size,
            Target = plan.Target,
            Created = created,
            Pushed = true,
            Labels = labels,
            TagOutcomes = outcomes,
        };
    }

    private static string? RepoDigest(EngineImage image, ImageRepository repository)
    {
        var prefix = repository.Name + "@";
        return image.RepoDigests.FirstOrDefault(d => d.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    private static ImageTagPlan Explicit(IReadOnlyList<string> tags)
    {
        foreach (var t in tags.Where(t => !ImageRepository.IsValidTag(t)))
        {
            throw new X0Exception(ErrorIds.ImageTagInvalid, X0ErrorCategory.InvalidArgument,
                "image tags of 1-128 letters, digits, '_', '.' and '-' (not starting with '.' or '-')", $"'{t}'", "Fix the -Tag value", t);
        }
        return new ImageTagPlan(tags.Distinct(StringComparer.Ordinal).Select(t => new ImageTagDecision(t, "-Tag")).ToList(), true, null);
    }

    private static ImageRepository ResolveRepository(string? configured, ImageSource source)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return ImageRepository.Parse(configured!);
        }
        if (source.Slug is { } slug)
        {
            return ImageRepository.Parse("ghcr.io/" + slug.ToLowerInvariant());
        }
        throw new X0Exception(ErrorIds.ImageRepositoryUnknown, X0ErrorCategory.ObjectNotFound,
            "an image name: -Repository, images.repository in the configuration, or a GitHub origin remote (ghcr.io/<owner>/<repo>)",
            $"none ({source.Origin} has no GitHub remote)",
            "Pass -Repository ghcr.io/<owner>/<name>, or set repository in [tool.x0tta6bl4.images]");
    }

    private static string? ResolveUnder(string root, string? path) =>
        string.IsNullOrEmpty(path) ? null : System.IO.Path.GetFullPath(System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(root, path));
}

using Tomlyn.Model;
using X0tta6bl4.Core.Ci;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// Container images of the release, through the Build-X0Image engine. The truth is the registry: an
/// image for a version never moves, so when every tag that names this version already points at one
/// digest the image is published (AlreadyDone), and only floating tags (latest, X.Y, X) that lag are
/// re-pointed by digest. Otherwise the target is built and pushed, and every tag's digest verified.
/// </summary>
public sealed class ImagesStep : ReleaseStep
{
    public const string SettingsTable = "images";
    private readonly Func<BuildImage> _engine;
    private readonly List<(string? Target, BuildImagePlan Plan, string Action, string? Digest)> _work = new();

    public ImagesStep(Func<BuildImage>? engine = null) => _engine = engine ?? (() => new BuildImage());

    public override string Name => "Images";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        _work.Clear();
        var settings = state.Config.Settings.TryGetValue(SettingsTable, out var t) ? t as TomlTable : null;
        var requested = state.Request.Images
            || (settings is not null && settings.TryGetValue("release", out var r) && r is true);
        if (!requested)
        {
            return StepPlan.Skip("images not requested (pass -Image, or set release = true under [tool.x0tta6bl4.images])");
        }
        var targets = state.Request.ImageTargets.Count > 0 ? state.Request.ImageTargets.Select(x => (string?)x).ToList()
            : settings is not null && settings.TryGetValue("release_targets", out var rt) && rt is TomlArray arr
                ? arr.OfType<string>().Select(x => (string?)x).ToList()
                : new List<string?> { null };

        var engine = _engine();
        var done = new List<string>();
        foreach (var target in targets)
        {
            var plan = await engine.PlanAsync(Request(state, target, promote: false, digest: null), context).ConfigureAwait(false);
            var versionTags = plan.Tags.Names.Where(n => NamesVersion(n, state)).ToList();
            var current = plan.Registry?.Tags.ToDictionary(x => x.Tag, x => x.CurrentDigest, StringComparer.Ordinal)
                          ?? new Dictionary<string, string?>(StringComparer.Ordinal);
            var versionDigests = versionTags.Select(n => current.GetValueOrDefault(n)).Where(d => d is not null).Distinct().ToList();
            var label = target is null ? plan.Repository.Name : $"{plan.Repository.Name} ({target})";
            if (versionDigests.Count > 1)
            {
                throw new X0Exception(ErrorIds.ImageDigestMismatch, X0ErrorCategory.InvalidData,
                    $"the tags of {state.VersionText} in {plan.Repository.Name} to name one image",
                    string.Join(", ", versionTags.Select(n => $"{n} → {current.GetValueOrDefault(n) ?? "none"}")),
                    "A version's image is never rebuilt: inspect the registry and remove the stray tag deliberately", plan.Repository.Name);
            }
            if (versionDigests.Count == 1 && versionTags.All(n => current.GetValueOrDefault(n) is not null))
            {
                var digest = versionDigests[0]!;
                var lagging = plan.Tags.Names.Where(n => current.GetValueOrDefault(n) != digest).ToList();
                if (lagging.Count == 0)
                {
                    done.Add($"{label} {digest[..Math.Min(19, digest.Length)]}…");
                    continue;
                }
                var promote = await engine.PlanAsync(Request(state, target, promote: true, digest, lagging), context).ConfigureAwait(false);
                _work.Add((target, promote, $"point {string.Join(", ", lagging)} at {digest}", digest));
                continue;
            }
            _work.Add((target, plan, $"build and push {label} as {string.Join(", ", plan.Tags.Names)}", null));
        }

        if (_work.Count == 0)
        {
            return StepPlan.AlreadyDone($"published: {string.Join("; ", done)}");
        }
        return StepPlan.Todo(string.Join("; ", _work.Select(w => w.Action)) + (done.Count > 0 ? $" (already published: {string.Join("; ", done)})" : string.Empty),
            string.Join(", ", _work.Select(w => w.Plan.Repository.Name).Distinct()), "Build, push and verify the release images");
    }

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var engine = _engine();
        var lines = new List<string>();
        foreach (var (target, buildPlan, action, _) in _work)
        {
            var result = await engine.ExecuteAsync(buildPlan, context, push: true).ConfigureAwait(false);
            state.Images.Add(new ReleaseImage(result.Repository.Name, result.Tags, result.Digest, target));
            lines.Add($"{result.Repository.Name}{(target is null ? "" : $" ({target})")} {result.Digest}: {string.Join(", ", result.Tags)}");
        }
        return string.Join("; ", lines);
    }

    private static BuildImageRequest Request(ReleaseState state, string? target, bool promote, string? digest, IReadOnlyList<string>? tags = null) => new()
    {
        Path = state.Config.Root,
        Version = state.VersionText,
        Target = target,
        Push = true,
        Promote = promote,
        Digest = digest,
        Tags = tags,
        Repository = state.Request.ImageRepository,
        Environment = ProcessEnvironment.Snapshot(),
    };

    /// <summary>A tag that names this exact version (3.3.0, v3.3.0, prod-v3.3.0), as opposed to a floating one.</summary>
    private static bool NamesVersion(string tag, ReleaseState state) =>
        tag.EndsWith(state.VersionText, StringComparison.Ordinal)
        || (state.Version is not null && Pep440.TryFromSemVer(state.Version, out var pep, out _) && tag.EndsWith(pep!, StringComparison.Ordinal));
}

using System.Security.Cryptography;
using System.Text;
using X0tta6bl4.Core.Diagnostics;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// Collects the release's files (-Asset, and by default the current version's files in dist/),
/// copies them into the release folder and adds SHA256SUMS. The copies are what gets uploaded, so a
/// rebuild of dist/ between runs cannot change a release half-way.
/// </summary>
public sealed class AssetsStep : ReleaseStep
{
    public const string ChecksumsName = "SHA256SUMS";

    public override string Name => "Assets";

    public override async Task<StepPlan> ReconcileAsync(ReleaseState state, X0Context context)
    {
        var ct = context.Cancellation;
        var sources = CollectSources(state, context);
        var folder = AssetFolder(state);
        if (sources.Count == 0)
        {
            // A SHA256SUMS of nothing is an empty file on the release that vouches for nothing.
            state.Assets.Clear();
            return StepPlan.Skip($"no assets: no -Asset, no package built and no {state.VersionText} file in dist/");
        }
        var missing = new List<string>();
        var planned = new List<ReleaseAsset>();
        foreach (var source in sources)
        {
            ct.ThrowIfCancellationRequested();
            var hash = await Sha256Async(source, ct).ConfigureAwait(false);
            var name = Path.GetFileName(source);
            var copy = Path.Combine(folder, name);
            planned.Add(new ReleaseAsset(name, copy, new FileInfo(source).Length, hash));
            if (!File.Exists(copy) || await Sha256Async(copy, ct).ConfigureAwait(false) != hash)
            {
                missing.Add(name);
            }
        }
        var duplicates = planned.GroupBy(a => a.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new X0Exception(ErrorIds.AssetNotFound, X0ErrorCategory.InvalidArgument, "asset names that are unique in the release",
                $"the same name from several paths: {string.Join(", ", duplicates)}", "Rename or drop one of them", duplicates[0]);
        }

        var sums = Checksums(planned);
        var sumsPath = Path.Combine(folder, ChecksumsName);
        var sumsBytes = Encoding.ASCII.GetBytes(sums);
        var sumsAsset = new ReleaseAsset(ChecksumsName, sumsPath, sumsBytes.Length, Convert.ToHexString(SHA256.HashData(sumsBytes)).ToLowerInvariant());
        if (!File.Exists(sumsPath) || File.ReadAllText(sumsPath) != sums)
        {
            missing.Add(ChecksumsName);
        }
        state.Assets.Clear();
        state.Assets.AddRange(planned);
        state.Assets.Add(sumsAsset);
        _pendingChecksums = sums;
        _sources = sources;

        var listing = string.Join(", ", state.Assets.Select(a => $"{a.Name} ({a.Size:N0} B)"));
        return missing.Count == 0
            ? StepPlan.AlreadyDone($"{state.Assets.Count} file(s) in {folder}: {listing}")
            : StepPlan.Todo($"copy {missing.Count} file(s) to {folder}: {string.Join(", ", missing)}", folder, "Copy release assets and write SHA256SUMS");
    }

    private string _pendingChecksums = string.Empty;
    private IReadOnlyList<string> _sources = Array.Empty<string>();

    public override async Task<string> ApplyAsync(ReleaseState state, StepPlan plan, X0Context context)
    {
        var folder = AssetFolder(state);
        Directory.CreateDirectory(folder);
        foreach (var source in _sources)
        {
            var target = Path.Combine(folder, Path.GetFileName(source));
            var temp = $"{target}.{Guid.NewGuid():N}.tmp";
            try
            {
                await using (var input = File.OpenRead(source))
                await using (var output = File.Create(temp))
                {
                    await input.CopyToAsync(output, context.Cancellation).ConfigureAwait(false);
                }
                File.Move(temp, target, overwrite: true);
            }
            catch
            {
                // Ctrl+C or a full disk mid-copy: no half-written file stays behind next to the assets.
                File.Delete(temp);
                throw;
            }
        }
        var sumsPath = Path.Combine(folder, ChecksumsName);
        var sumsTemp = $"{sumsPath}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(sumsTemp, _pendingChecksums, Encoding.ASCII);
        File.Move(sumsTemp, sumsPath, overwrite: true);
        return $"{state.Assets.Count} file(s) in {folder} with {ChecksumsName}";
    }

    internal static string AssetFolder(ReleaseState state) => Path.Combine(state.OutputDirectory, "assets");

    /// <summary>sha256sum's format: "&lt;hex&gt;  &lt;name&gt;", sorted by name, LF endings — `sha256sum -c` reads it.</summary>
    internal static string Checksums(IEnumerable<ReleaseAsset> assets) =>
        string.Concat(assets.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => $"{a.Sha256}  {a.Name}\n"));

    private static IReadOnlyList<string> CollectSources(ReleaseState state, X0Context context)
    {
        var root = state.Config.Root;
        var result = new List<string>();
        foreach (var pattern in state.Request.Assets)
        {
            var matches = Expand(root, pattern);
            if (matches.Count == 0)
            {
                throw new X0Exception(ErrorIds.AssetNotFound, X0ErrorCategory.ObjectNotFound, $"a file for -Asset '{pattern}'",
                    "no matching file", "Build the file first, or correct the path", pattern);
            }
            result.AddRange(matches);
        }
        // The packages built for this release are assets too (PyPI's files, the module's nupkg); they win
        // over same-named files in dist/, which may come from another build.
        var packaged = state.Packages.SelectMany(p => p.Files).Select(f => f.Path).ToList();
        result.AddRange(packaged);
        var packagedNames = packaged.Select(Path.GetFileName).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var dist = Path.Combine(root, "dist");
        if (state.Request.Assets.Count == 0 && Directory.Exists(dist))
        {
            // Only this version's files: a dist/ folder often still holds the previous release's.
            var spellings = VersionSpellings(state);
            foreach (var file in Directory.GetFiles(dist).OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (packagedNames.Contains(name))
                {
                    context.Log.Verbose($"dist/{name}: the release attaches the package it built from the tag instead");
                }
                else if (spellings.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase)))
                {
                    result.Add(file);
                }
                else
                {
                    context.Log.Verbose($"dist/{name} is not a {state.VersionText} file; not attached");
                }
            }
        }
        return result.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    }

    private static List<string> VersionSpellings(ReleaseState state)
    {
        var list = new List<string> { state.VersionText };
        if (state.Version is not null && Pep440.TryFromSemVer(state.Version, out var pep, out _)) list.Add(pep!);
        return list.Distinct().ToList();
    }

    private static List<string> Expand(string root, string pattern)
    {
        var full = Path.GetFullPath(Path.Combine(root, pattern));
        if (File.Exists(full)) return new List<string> { full };
        var dir = Path.GetDirectoryName(full)!;
        var leaf = Path.GetFileName(full);
        if (!Directory.Exists(dir) || (!leaf.Contains('*') && !leaf.Contains('?'))) return new List<string>();
        return Directory.GetFiles(dir, leaf).OrderBy(f => f, StringComparer.Ordinal).ToList();
    }

    internal static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false)).ToLowerInvariant();
    }
}

using System.Globalization;
using Semver;

namespace X0tta6bl4.Core.Commits;

/// <summary>The next version a set of commits calls for, or why there is none.</summary>
/// <param name="Version">The next version, null when nothing is releasable.</param>
/// <param name="Level">The level after the 0.x rule.</param>
/// <param name="RequestedLevel">The level the commits asked for, before the 0.x rule.</param>
/// <param name="Reason">Why this version (or why no release), one sentence.</param>
public sealed record VersionDecision(SemVersion? Version, ReleaseLevel Level, ReleaseLevel RequestedLevel, string Reason)
{
    public bool IsRelease => Version is not null;
    /// <summary>The files already hold <see cref="Version"/>, which no release tag has: bumped, not tagged. Finish it (tag), never bump again.</summary>
    public bool AlreadyInFiles { get; init; }
}

/// <summary>
/// Next-version inference, shared by Step-X0Version -Auto and the release notes. Pure.
/// Breaking → major, minor types (feat) → minor, patch types (fix, perf, sec) → patch, others → no
/// release. While the major version is 0 (and major_on_zero is off, the default) everything shifts down
/// one place: breaking → minor, feat → patch. Pre-releases (<c>-PreRelease rc</c>) take the same target
/// and a counter that is monotonic across every known version of that channel.
/// </summary>
public static class VersionPolicy
{
    /// <summary>The level after the 0.x rule.</summary>
    public static ReleaseLevel Effective(ReleaseLevel level, SemVersion baseVersion, bool majorOnZero)
    {
        if (baseVersion.Major != 0 || majorOnZero) return level;
        return level switch
        {
            ReleaseLevel.Major => ReleaseLevel.Minor,
            ReleaseLevel.Minor => ReleaseLevel.Patch,
            _ => level,
        };
    }

    /// <param name="current">The version the project holds now (its files), or the latest tag.</param>
    /// <param name="lastRelease">The latest final release reachable (from tags), or null for a first release.</param>
    /// <param name="level">The highest level among the commits since <paramref name="lastRelease"/>.</param>
    /// <param name="preReleaseLabel">A pre-release channel (rc, beta…), or null for a final release.</param>
    /// <param name="known">Every version already tagged (local and remote), for monotonic counters.</param>
    public static VersionDecision Decide(SemVersion current, SemVersion? lastRelease, ReleaseLevel level, string? preReleaseLabel,
        IEnumerable<SemVersion> known, bool majorOnZero)
    {
        // The base is the last release tag. Files ahead of it hold a version no tag has: an earlier run bumped and
        // did not tag (or the maintainer set the next version by hand). That version is the release, unless the
        // commits call for more; it is never bumped a second time.
        // A version some tag already names (on another line of history) was released: it is a base, not a pending bump.
        var knownList = known as IReadOnlyCollection<SemVersion> ?? known.ToList();
        var filesAhead = lastRelease is not null && !current.IsPrerelease && current.ComparePrecedenceTo(lastRelease) > 0
                         && !knownList.Any(k => k.ComparePrecedenceTo(current) == 0);
        if (lastRelease is not null && !current.IsPrerelease && current.ComparePrecedenceTo(lastRelease) > 0 && !filesAhead) lastRelease = current;
        var baseVersion = lastRelease ?? (current.IsPrerelease ? null : current);
        var effective = Effective(level, baseVersion ?? Core(current), majorOnZero);
        if (filesAhead && preReleaseLabel is null)
        {
            var fromTag = effective == ReleaseLevel.None ? null : Raise(lastRelease!, effective);
            if (fromTag is null || current.ComparePrecedenceTo(fromTag) >= 0)
            {
                return new VersionDecision(current, effective, level,
                    $"bumped, not tagged: the files already hold {current}, which no release tag has (the last is {lastRelease})")
                { AlreadyInFiles = true };
            }
        }
        if (effective == ReleaseLevel.None)
        {
            return new VersionDecision(null, ReleaseLevel.None, level,
                level == ReleaseLevel.None
                    ? $"no releasable commit since {(lastRelease is null ? "the start of history" : lastRelease.ToString())} (only types that do not release, or nothing at all)"
                    : "no release level applies");
        }

        var target = baseVersion is null ? Core(current) : Raise(baseVersion, effective);
        // A pre-release already on the way (3.3.0-rc.2) is released rather than skipped over.
        if (current.IsPrerelease && Core(current).ComparePrecedenceTo(target) > 0) target = Core(current);

        var why = $"{Describe(level)} since {(lastRelease is null ? "the start of history" : lastRelease.ToString())}"
                  + (effective != level ? $" (0.x: counted as {effective.ToString().ToLowerInvariant()}; set major_on_zero = true to change that)" : "");
        if (preReleaseLabel is null)
        {
            return new VersionDecision(target, effective, level, why);
        }

        preReleaseLabel = Versioning.Pep440.CanonicalLabel(preReleaseLabel);
        var counter = 1;
        foreach (var k in knownList)
        {
            if (SameCore(k, target) && k.IsPrerelease && string.Equals(k.PrereleaseIdentifiers[0].Value, preReleaseLabel, StringComparison.Ordinal))
            {
                counter = Math.Max(counter, CounterOf(k) + 1);
            }
        }
        if (current.IsPrerelease && SameCore(current, target) && string.Equals(current.PrereleaseIdentifiers[0].Value, preReleaseLabel, StringComparison.Ordinal))
        {
            counter = Math.Max(counter, CounterOf(current) + 1);
        }
        var next = SemVersion.ParsedFrom(target.Major, target.Minor, target.Patch, preReleaseLabel + "." + counter.ToString(CultureInfo.InvariantCulture));
        if (next.ComparePrecedenceTo(current) <= 0)
        {
            return new VersionDecision(null, effective, level,
                $"{next} would not be higher than the current {current}: pre-release label '{preReleaseLabel}' sorts before '{current.PrereleaseIdentifiers[0].Value}'");
        }
        return new VersionDecision(next, effective, level, why);
    }

    public static SemVersion Raise(SemVersion v, ReleaseLevel level) => level switch
    {
        ReleaseLevel.Major => new SemVersion(v.Major + 1, 0, 0),
        ReleaseLevel.Minor => new SemVersion(v.Major, v.Minor + 1, 0),
        ReleaseLevel.Patch => new SemVersion(v.Major, v.Minor, v.Patch + 1),
        _ => Core(v),
    };

    private static string Describe(ReleaseLevel level) => level switch
    {
        ReleaseLevel.Major => "breaking changes",
        ReleaseLevel.Minor => "new features",
        _ => "fixes",
    };

    private static SemVersion Core(SemVersion v) => new(v.Major, v.Minor, v.Patch);

    private static bool SameCore(SemVersion a, SemVersion b) => a.Major == b.Major && a.Minor == b.Minor && a.Patch == b.Patch;

    private static int CounterOf(SemVersion v)
    {
        var ids = v.PrereleaseIdentifiers;
        for (var i = ids.Count - 1; i >= 1; i--)
        {
            if (int.TryParse(ids[i].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        }
        return 0;
    }
}

using System.Globalization;
using Semver;
using X0tta6bl4.Core.Diagnostics;

namespace X0tta6bl4.Core.Versioning;

/// <summary>Which part of the version a bump raises.</summary>
public enum VersionComponent { None, Major, Minor, Patch }

/// <summary>
/// What the user asked for. Exactly one of: a component (optionally with a pre-release label),
/// a pre-release step, a release of the current pre-release, or an explicit version.
/// </summary>
public sealed record BumpRequest
{
    public VersionComponent Component { get; init; }
    /// <summary>Pre-release label ("rc", "beta"); empty string = "the current label, or rc".</summary>
    public string? PreReleaseLabel { get; init; }
    public bool Release { get; init; }
    /// <summary>An explicit version, SemVer or PEP 440 ("1.4.0", "1.4.0-rc.1", "1.4.0rc1").</summary>
    public string? Explicit { get; init; }
    /// <summary>A part a bump2version configuration defines (release, build…), bumped by that configuration's rules.</summary>
    public string? Part { get; init; }

    public static BumpRequest Major() => new() { Component = VersionComponent.Major };
    public static BumpRequest Minor() => new() { Component = VersionComponent.Minor };
    public static BumpRequest Patch() => new() { Component = VersionComponent.Patch };

    public override string ToString()
    {
        if (Explicit is not null) return $"-Version {Explicit}";
        if (Part is not null) return $"-Part {Part}";
        if (Release) return "-Release";
        var parts = new List<string>();
        if (Component != VersionComponent.None) parts.Add("-" + Component);
        if (PreReleaseLabel is not null) parts.Add(PreReleaseLabel.Length == 0 ? "-PreRelease" : $"-PreRelease {PreReleaseLabel}");
        return string.Join(" ", parts);
    }
}

/// <summary>
/// Version arithmetic. Pure: the same current version, request and known versions always give the
/// same answer. Pre-release counters are monotonic across a channel: when tags already hold
/// <c>1.2.0-rc.3</c>, the next rc of 1.2.0 is <c>rc.4</c> even if the files say <c>rc.1</c>.
/// </summary>
public static class VersionBump
{
    public const string DefaultPreReleaseLabel = "rc";

    public static SemVersion Next(SemVersion current, BumpRequest request, IEnumerable<SemVersion>? known = null)
    {
        var knownList = known?.ToList() ?? new List<SemVersion>();
        SemVersion next;
        if (request.Explicit is not null)
        {
            next = VersionText.ParseLenient(request.Explicit);
            if (next.ComparePrecedenceTo(current) <= 0)
            {
                throw Invalid(current, request, $"{next} is not higher than the current version {current}",
                    "Pass a -Version above the current one; versions never go backwards");
            }
            return next;
        }

        if (request.Release)
        {
            if (!current.IsPrerelease)
            {
                throw Invalid(current, request, $"{current} is already a final release",
                    "Use -Patch, -Minor or -Major to start the next version");
            }
            return Core(current);
        }

        var label = request.PreReleaseLabel is { Length: > 0 } typed ? Pep440.CanonicalLabel(typed) : request.PreReleaseLabel;
        if (label is { Length: > 0 } && !IsValidLabel(label))
        {
            throw Invalid(current, request, $"pre-release label '{label}' (labels are letters, digits and hyphens, starting with a letter)",
                "Use a label such as rc, beta or alpha");
        }

        if (request.Component == VersionComponent.None)
        {
            if (label is null)
            {
                throw Invalid(current, request, "no bump was requested",
                    "Pass one of -Major, -Minor, -Patch, -PreRelease, -Release or -Version");
            }
            return NextPreRelease(current, label, knownList, request);
        }

        if (label is null)
        {
            // Raising a component of a pre-release finishes that pre-release when it already has
            // the shape asked for (1.2.0-rc.1 -Minor → 1.2.0), as npm and bump-my-version do.
            next = request.Component switch
            {
                VersionComponent.Major => current.IsPrerelease && current.Minor == 0 && current.Patch == 0
                    ? Core(current) : new SemVersion(current.Major + 1, 0, 0),
                VersionComponent.Minor => current.IsPrerelease && current.Patch == 0
                    ? Core(current) : new SemVersion(current.Major, current.Minor + 1, 0),
                _ => current.IsPrerelease ? Core(current) : new SemVersion(current.Major, current.Minor, current.Patch + 1),
            };
            return next;
        }

        // Component + label: the first pre-release of the next component (1.1.0 -Minor -PreRelease rc → 1.2.0-rc.1).
        var core = request.Component switch
        {
            VersionComponent.Major => new SemVersion(current.Major + 1, 0, 0),
            VersionComponent.Minor => new SemVersion(current.Major, current.Minor + 1, 0),
            _ => new SemVersion(current.Major, current.Minor, current.Patch + 1),
        };
        var effectiveLabel = label.Length == 0 ? DefaultPreReleaseLabel : label;
        return WithCounter(core, effectiveLabel, NextCounter(core, effectiveLabel, 1, knownList));
    }

    private static SemVersion NextPreRelease(SemVersion current, string label, List<SemVersion> known, BumpRequest request)
    {
        if (!current.IsPrerelease)
        {
            var core = new SemVersion(current.Major, current.Minor, current.Patch + 1);
            var l = label.Length == 0 ? DefaultPreReleaseLabel : label;
            return WithCounter(core, l, NextCounter(core, l, 1, known));
        }

        var currentCore = Core(current);
        var currentLabel = current.PrereleaseIdentifiers[0].Value;
        var effective = label.Length == 0 ? currentLabel : label;
        int start;
        if (string.Equals(effective, currentLabel, StringComparison.Ordinal))
        {
            start = CounterOf(current) + 1;
        }
        else
        {
            start = 1;
        }
        var candidate = WithCounter(currentCore, effective, NextCounter(currentCore, effective, start, known));
        if (candidate.ComparePrecedenceTo(current) <= 0)
        {
            throw Invalid(current, request, $"{candidate}, which is not higher than {current}",
                $"Use a label that sorts after '{currentLabel}' (alpha < beta < rc), or -Release");
        }
        return candidate;
    }

    /// <summary>The counter to use: at least <paramref name="start"/>, above every known one in the channel.</summary>
    private static int NextCounter(SemVersion core, string label, int start, List<SemVersion> known)
    {
        var max = known
            .Where(k => k.Major == core.Major && k.Minor == core.Minor && k.Patch == core.Patch && k.IsPrerelease
                        && string.Equals(k.PrereleaseIdentifiers[0].Value, label, StringComparison.Ordinal))
            .Select(CounterOf)
            .DefaultIfEmpty(0)
            .Max();
        return Math.Max(start, max + 1);
    }

    private static int CounterOf(SemVersion v)
    {
        var ids = v.PrereleaseIdentifiers;
        for (var i = ids.Count - 1; i >= 1; i--)
        {
            if (int.TryParse(ids[i].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }
        }
        return 0;
    }

    private static SemVersion WithCounter(SemVersion core, string label, int counter) =>
        SemVersion.ParsedFrom(core.Major, core.Minor, core.Patch,
            label + "." + counter.ToString(CultureInfo.InvariantCulture));

    private static SemVersion Core(SemVersion v) => new(v.Major, v.Minor, v.Patch);

    private static bool IsValidLabel(string label) =>
        char.IsAsciiLetter(label[0]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static X0Exception Invalid(SemVersion current, BumpRequest request, string found, string fix) =>
        new(ErrorIds.InvalidBump, X0ErrorCategory.InvalidArgument,
            $"a bump ({request}) that raises {current}", found, fix, current.ToString());
}

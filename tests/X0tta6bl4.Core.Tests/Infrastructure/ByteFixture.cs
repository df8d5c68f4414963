using System.Text;
using Semver;
using X0tta6bl4.Core.Operations;
using X0tta6bl4.Core.VersionFiles;
using X0tta6bl4.Core.Versioning;

namespace X0tta6bl4.Core.Tests.Infrastructure;

/// <summary>How a fixture file is encoded on disk.</summary>
public enum FixtureEncoding { Utf8, Utf8Bom, Utf16LeBom }

/// <summary>
/// A version file as bytes, written from a template in which every edit is marked <c>{{old|new}}</c>:
/// <c>version = "{{1.2.3|1.3.0}}"</c>. Gives the original bytes, the bytes expected after the bump, and
/// the byte offsets of each edit so a test can prove that nothing but those bytes changed.
/// </summary>
public sealed class ByteFixture
{
    private readonly List<(int Offset, byte[] Old, byte[] New)> _edits = new();

    private ByteFixture(string template, FixtureEncoding kind)
    {
        Kind = kind;
        var (encoding, bom) = kind switch
        {
            FixtureEncoding.Utf8 => ((Encoding)new UTF8Encoding(false), Array.Empty<byte>()),
            FixtureEncoding.Utf8Bom => (new UTF8Encoding(false), new byte[] { 0xEF, 0xBB, 0xBF }),
            _ => (new UnicodeEncoding(false, false), new byte[] { 0xFF, 0xFE }),
        };
        var original = new List<byte>(bom);
        var expected = new List<byte>(bom);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            var literal = open < 0 ? template[i..] : template[i..open];
            original.AddRange(encoding.GetBytes(literal));
            expected.AddRange(encoding.GetBytes(literal));
            if (open < 0) break;
            var close = template.IndexOf("}}", open, StringComparison.Ordinal);
            var parts = template[(open + 2)..close].Split('|');
            var oldBytes = encoding.GetBytes(parts[0]);
            var newBytes = encoding.GetBytes(parts[1]);
            _edits.Add((original.Count, oldBytes, newBytes));
            original.AddRange(oldBytes);
            expected.AddRange(newBytes);
            i = close + 2;
        }
        Original = original.ToArray();
        Expected = expected.ToArray();
    }

    public FixtureEncoding Kind { get; }
    public byte[] Original { get; }
    public byte[] Expected { get; }
    public IReadOnlyList<(int Offset, byte[] Old, byte[] New)> Edits => _edits;

    public static ByteFixture Of(string template, FixtureEncoding kind = FixtureEncoding.Utf8) => new(template, kind);

    /// <summary>Runs the real planner on the fixture bytes and returns the rewritten bytes.</summary>
    public byte[] Rewrite(Func<string, string, VersionFile> kind, string fileName, string nextVersion, out VersionReading reading)
    {
        var root = Path.Combine(Path.GetTempPath(), "x0-virtual");
        var file = kind(Path.Combine(root, fileName), root);
        var content = TextFileContent.Decode(file.FullPath, Original);
        reading = file.Read(content);
        var next = VersionText.ParseLenient(nextVersion);
        return StepVersion.PlanFile(content, new[] { (file, reading) }, next).Updated;
    }

    public byte[] Rewrite(Func<string, string, VersionFile> kind, string fileName, string nextVersion) =>
        Rewrite(kind, fileName, nextVersion, out _);

    /// <summary>
    /// Compares <paramref name="updated"/> with the original around each edit: the bytes before, between
    /// and after the edits are identical, and each edit holds exactly the new version's bytes.
    /// </summary>
    public void AssertOnlyVersionBytesDiffer(byte[] updated)
    {
        var shift = 0;
        var position = 0;
        foreach (var (offset, oldBytes, newBytes) in _edits)
        {
            AssertSame(Original.AsSpan(position, offset - position), updated.AsSpan(position + shift, offset - position),
                $"bytes {position}..{offset} (before the edit at byte {offset})", position);
            Assert.True(updated.AsSpan(offset + shift).StartsWith(newBytes),
                $"The edit at byte {offset} should be '{Describe(newBytes)}' but is '{Describe(updated.AsSpan(offset + shift, Math.Min(newBytes.Length, updated.Length - offset - shift)).ToArray())}'");
            shift += newBytes.Length - oldBytes.Length;
            position = offset + oldBytes.Length;
        }
        Assert.Equal(Original.Length - position, updated.Length - position - shift);
        AssertSame(Original.AsSpan(position), updated.AsSpan(position + shift), $"bytes {position}..end (after the last edit)", position);
        Assert.Equal(Expected, updated);
    }

    private static void AssertSame(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what, int origin)
    {
        if (expected.SequenceEqual(actual)) return;
        var at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        Assert.Fail($"The {what} changed: first difference at original byte {origin + at} " +
                    $"(expected 0x{(at < expected.Length ? expected[at] : 0):X2}, found 0x{(at < actual.Length ? actual[at] : 0):X2}; lengths {expected.Length} vs {actual.Length})");
    }

    private static string Describe(byte[] bytes) => BitConverter.ToString(bytes);
}

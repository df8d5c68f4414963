using System.Text.Json;
using System.Text.Json.Serialization;

namespace X0tta6bl4.Core.Releasing;

/// <summary>
/// The local record of a release (<c>release.json</c> in its output folder). Steps reconcile against
/// the targets themselves; the record only explains what happened before and lets gates that
/// already passed on this exact commit be skipped.
/// </summary>
public sealed class ReleaseRecord
{
    public string Tag { get; set; } = string.Empty;
    public string Commit { get; set; } = string.Empty;
    public bool Completed { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    /// <summary>Commit whose gates passed, with the counts.</summary>
    public string? GatesPassedAt { get; set; }
    public string? GatesSummary { get; set; }
    public int? GatesPassed { get; set; }
    public int? GatesFailed { get; set; }
    public int? GatesSkipped { get; set; }
    public double? GatesLineCoverage { get; set; }
    public string? ReleaseUrl { get; set; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public const string FileName = "release.json";

    public static ReleaseRecord? Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ReleaseRecord>(File.ReadAllText(path), Options);
        }
        catch (JsonException)
        {
            // A damaged record is only a lost hint; the targets are re-read anyway.
            return null;
        }
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, path, overwrite: true);
    }
}

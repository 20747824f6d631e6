using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using ZoneLab.Metrics;
using ZoneLab.Procfs;

namespace ZoneLab;

/// <summary>
/// The one source-generated System.Text.Json context for every JSON document ZoneLab writes: add the document's
/// root type here with <c>[JsonSerializable]</c> and write it with <see cref="ZoneLabJson"/>. Property names are
/// snake_case; no reflection is used at run time.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CompareResult))]
[JsonSerializable(typeof(RunMetadata))]
[JsonSerializable(typeof(EngineBenchJson))]
[JsonSerializable(typeof(LayoutJson))]
internal sealed partial class ZoneLabJsonContext : JsonSerializerContext
{
}

/// <summary>Writes ZoneLab's JSON documents through <see cref="ZoneLabJsonContext"/>.</summary>
public static class ZoneLabJson
{
    // Reports are read by people and diffed: indented, and non-ASCII text (µ, –) written as is.
    private static readonly ZoneLabJsonContext s_indented = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static readonly ZoneLabJsonContext s_compact = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    // Kernel-format documents keep System.Text.Json's default (escaping) encoder.
    private static readonly ZoneLabJsonContext s_escaped = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    private static readonly ZoneLabJsonContext s_escapedIndented = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    });

    /// <summary><c>zonelab layout --format json</c> (indented when <paramref name="indented"/>), no final newline.</summary>
    public static string Layout(LayoutJson l, bool indented = false) =>
        JsonSerializer.Serialize(l, (indented ? s_escapedIndented : s_escaped).LayoutJson);

    /// <summary><c>report.json</c> and <c>--format json</c> of compare and run, ending with a newline.</summary>
    public static string Report(CompareResult r) => JsonSerializer.Serialize(r, s_indented.CompareResult) + "\n";

    /// <summary>The options report.json is written with (for its JSON Schema, exported by <c>zonelab schema report</c>).</summary>
    public static JsonSerializerOptions ReportOptions => s_indented.Options;

    /// <summary><c>run.json</c>, ending with a newline.</summary>
    public static string Run(RunMetadata r) => JsonSerializer.Serialize(r, s_indented.RunMetadata) + "\n";

    /// <summary><c>zonelab bench --json</c>: one line.</summary>
    public static string Bench(EngineBenchJson r) => JsonSerializer.Serialize(r, s_compact.EngineBenchJson);
}

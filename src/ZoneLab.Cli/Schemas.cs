using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using ZoneLab.Metrics;

namespace ZoneLab.Cli;

/// <summary>
/// JSON Schemas (draft 2020-12, from System.Text.Json's <see cref="JsonSchemaExporter"/>) of what zonelab writes as
/// JSON: <c>report</c> (report.json of compare/run, and their <c>--format json</c>) and <c>sweep-row</c> (a line of a
/// sweep's results.jsonl). Checked in under docs/schema/; <c>zonelab schema NAME</c> prints them.
/// </summary>
internal static class Schemas
{
    private static readonly Dictionary<string, Func<JsonNode>> s_all = new(StringComparer.Ordinal)
    {
        ["report"] = Report,
        ["sweep-row"] = SweepRow,
    };

    /// <summary>The schema names.</summary>
    public static IReadOnlyCollection<string> Names => s_all.Keys;

    /// <summary>The schema <paramref name="name"/> as indented JSON ending with a newline.</summary>
    public static string Text(string name) =>
        (s_all.TryGetValue(name, out Func<JsonNode>? f) ? f() : throw new ZoneLabInputException("schema", $"'{name}' is not a schema ({string.Join(", ", s_all.Keys)})"))
        .ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    private static JsonSchemaExporterOptions Exporter(string title) => new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = (ctx, node) =>
        {
            if (ctx.PropertyInfo?.CustomConverter is Metrics.PerMilleAsFractionConverter)
            {
                // a custom converter is opaque to the exporter ("true"); this one writes an index on the 0..1 scale
                return new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 };
            }
            if (ctx.Path.IsEmpty && node is JsonObject root)
            {
                root.Insert(0, "$schema", "https://json-schema.org/draft/2020-12/schema");
                root.Insert(1, "title", title);
            }
            return node;
        },
    };

    private static JsonNode Report()
    {
        JsonSerializerOptions o = ZoneLabJson.ReportOptions;
        return o.GetJsonSchemaAsNode(typeof(CompareResult), Exporter("zonelab report.json (compare, run)"));
    }

    private static JsonNode SweepRow()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.General) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        o.MakeReadOnly(populateMissingResolver: true);
        JsonNode schema = o.GetJsonSchemaAsNode(typeof(SweepRowSchema), Exporter("zonelab sweep row (a line of results.jsonl; the columns of results.parquet and results.csv)"));
        // the other columns are the grid's axes (text, and AXIS_bytes for sizes) and metrics (numbers, null when a run has none)
        schema["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "null") };
        return schema;
    }

    /// <summary><c>zonelab schema NAME</c>.</summary>
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "report or sweep-row." };
        name.AcceptOnlyFromAmong([.. s_all.Keys]);
        var cmd = new Command("schema", "Print the JSON Schema of report.json (report) or of a sweep's rows (sweep-row).");
        cmd.Arguments.Add(name);
        cmd.SetAction(pr =>
        {
            Console.Out.Write(Text(pr.GetValue(name)!));
            return 0;
        });
        return cmd;
    }

    /// <summary>The fixed columns of a sweep row; the exporter describes these, the axes and metrics are additional properties.</summary>
    private sealed record SweepRowSchema(
        [property: JsonRequired] int Point,
        [property: JsonRequired] string Scenario,
        [property: JsonRequired] string Design,
        [property: JsonRequired] long Seed,
        [property: JsonRequired] string ToolVersion);
}

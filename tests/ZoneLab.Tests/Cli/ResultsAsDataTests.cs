using System.Globalization;
using System.Text.Json.Nodes;
using Json.Schema;
using ZoneLab.Tests.Oracle;

namespace ZoneLab.Tests.Cli;

/// <summary>
/// Results as data: <c>compare --format csv</c> (one table per file), the checked-in JSON Schemas of report.json and
/// of sweep rows (current with the exporter, and the real output valid against them), and report.json's key names
/// and unusable-index scale.
/// </summary>
public class ResultsAsDataTests
{
    private const string Small = """
        name: small-data
        seed: 3
        machine: {mem: 512M, cmdline: "cma=64M"}
        designs: [migrate-cma, carveout]
        phases:
          - name: run
            duration: 3s
            actors:
              - {type: anon, name: apps, rate: 32M/s, lifetime: 2s}
              - {type: cma, name: camera, device: cam, size: 8M, count: 2, period: 1s, hold: 500ms}
        """;

    private static string Schema(string name) =>
        File.ReadAllText(RepoFiles.Find($"docs/schema/{name}.schema.json") ?? throw new FileNotFoundException($"docs/schema/{name}.schema.json"));

    private static void AssertValid(string schemaName, string json)
    {
        var schema = JsonSchema.FromText(Schema(schemaName));
        EvaluationResults r = schema.Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });
        string errors = string.Join("; ", (r.Details ?? []).Where(d => d.Errors != null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));
        Assert.True(r.IsValid, errors);
    }

    [Theory]
    [InlineData("report")]
    [InlineData("sweep-row")]
    public void CheckedInSchemasAreTheExportersCurrentOutput(string name)
    {
        var (exit, o, err) = ZonelabProcess.Run("schema", name);
        Assert.True(exit == 0, err);
        Assert.Equal(Schema(name), o);
    }

    [Fact]
    public void ReportJsonIsValidHasMibKeysAndTheIndexOnTheTablesScale()
    {
        string path = ZonelabProcess.WriteTemp("small-data.yaml", Small);
        var (exit, json, err) = ZonelabProcess.Run("compare", path, "--format", "json");
        Assert.True(exit == 0, err);
        AssertValid("report", json);
        Assert.Contains("\"pages_migrated_per_mib\"", json);
        Assert.DoesNotContain("_mi_b", json);

        // the fragmentation table prints the last sample's index as 0.000; report.json must hold the same number
        string csvDir = Path.Combine(Path.GetDirectoryName(path)!, "csv-tables");
        (exit, string list, err) = ZonelabProcess.Run("compare", path, "--format", "csv", "--csv", csvDir);
        Assert.True(exit == 0, err);
        string frag = list.Split('\n').Single(l => l.Contains("unusable-free-space-index", StringComparison.Ordinal)).Trim();
        string[] header = File.ReadLines(frag).First().Split(',');
        string[] migrate = File.ReadLines(frag).Skip(1).First(l => l.StartsWith("migrate-cma", StringComparison.Ordinal)).Split(',');
        JsonNode report = JsonNode.Parse(json)!;
        JsonArray samples = report["designs"]![0]!["samples"]!.AsArray();
        double last = samples[^1]!["unusable_index"]!.GetValue<double>();
        Assert.InRange(last, 0, 1);
        Assert.Equal(migrate[Array.FindIndex(header, h => h.Contains("end", StringComparison.Ordinal) || h.Contains("last", StringComparison.Ordinal))],
            last.ToString("0.000", CultureInfo.InvariantCulture));
    }

    [Fact]
    public void CsvFormatWritesOneFilePerTable()
    {
        string path = ZonelabProcess.WriteTemp("small-data.yaml", Small);
        string dir = Path.Combine(Path.GetDirectoryName(path)!, "csv-one-per-table");
        var (exit, list, err) = ZonelabProcess.Run("compare", path, "--format", "csv", "--csv", dir);
        Assert.True(exit == 0, err);
        string[] files = list.Trim().Split('\n');
        Assert.Equal(files.Length, Directory.GetFiles(dir).Length);
        string device = files[0].Trim();
        Assert.EndsWith("01-device-memory-cma_alloc.csv", device);
        string[] lines = File.ReadAllLines(device);
        Assert.Equal("design,area MiB,calls,ok/fail,success,p50 ms,p99 ms,max ms,late,failures,CMA use", lines[0]);
        // two designs; 3 s with a burst of 2 buffers every second from t=0: 3 bursts, 6 calls each, all fitting in 64M
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("migrate-cma,64,6,6/0,100.0 %", lines[1]);
        Assert.StartsWith("carveout,64,6,6/0,100.0 %", lines[2]);
    }

    [Fact]
    public void SweepRowsAreValidAgainstTheirSchema()
    {
        string scenario = ZonelabProcess.WriteTemp("small-data.yaml", Small);
        string grid = Path.Combine(Path.GetDirectoryName(scenario)!, "data-grid.yaml");
        File.WriteAllText(grid, "scenario: small-data.yaml\naxes:\n  cmdline.cma: [32M]\nseeds: [1, 2]\n");
        string outDir = Path.Combine(Path.GetDirectoryName(scenario)!, "data-sweep");
        if (Directory.Exists(outDir))
        {
            Directory.Delete(outDir, true);
        }
        var (exit, _, err) = ZonelabProcess.Run("sweep", grid, "--out", outDir);
        Assert.True(exit == 0, err);
        string[] lines = File.ReadAllLines(Path.Combine(outDir, "results.jsonl"));
        Assert.Equal(4, lines.Length); // 1 size x 2 designs x 2 seeds
        foreach (string l in lines)
        {
            AssertValid("sweep-row", l);
        }
        Assert.Equal(2L, JsonNode.Parse(lines[3])!["seed"]!.GetValue<long>());
    }
}

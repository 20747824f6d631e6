using System.Globalization;
using System.Text.Json;

namespace ZoneLab.Cli.Sweep;

/// <summary>
/// A sweep's results folder: <c>sweep.json</c> (the manifest), <c>parts/</c> (one small file per finished point,
/// each written atomically the moment the point finishes) and the compacted <c>results.parquet</c> and
/// <c>results.csv</c> (rewritten atomically from the previous results plus the parts, which are then removed). A kill
/// at any instant leaves every file whole; a point is finished when its part or its row exists, and reading
/// de-duplicates by point, so a kill between writing the results and removing the parts loses and doubles nothing.
/// A lock file keeps two processes out of one folder.
/// </summary>
internal sealed class SweepStore : IDisposable
{
    /// <summary>File names in a results folder.</summary>
    public const string ManifestFile = "sweep.json", ParquetFile = "results.parquet", CsvFile = "results.csv", JsonLinesFile = "results.jsonl",
        PartsFolder = "parts", LockFile = ".lock";

    private readonly FileStream _lock;
    private readonly object _compactGate = new();

    private SweepStore(string dir, SweepManifest manifest, FileStream lockStream)
    {
        Directory = dir;
        Manifest = manifest;
        Columns = manifest.ToShape().Columns;
        _lock = lockStream;
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>What the folder holds.</summary>
    public SweepManifest Manifest { get; }

    /// <summary>The row columns.</summary>
    public IReadOnlyList<SweepColumn> Columns { get; }

    /// <summary>
    /// Opens (creating it when new) the folder for <paramref name="manifest"/>; a folder of another sweep, or one in use
    /// by another process, is an input error.
    /// </summary>
    public static SweepStore Open(string dir, SweepManifest manifest)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Path.Combine(dir, PartsFolder));
            FileStream lockStream;
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix; the kernel drops it when the process dies
                lockStream = new FileStream(Path.Combine(dir, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                throw new ZoneLabInputException("--out " + dir, "another zonelab sweep is writing this folder");
            }
            string path = Path.Combine(dir, ManifestFile);
            if (File.Exists(path))
            {
                SweepManifest old = SweepManifest.Read(path);
                if (old.Fingerprint != manifest.Fingerprint || old.Shard != manifest.Shard)
                {
                    lockStream.Dispose();
                    throw new ZoneLabInputException("--out " + dir, $"holds another sweep ({old.Grid}, {old.Points} points, shard {old.Shard?.ToString() ?? "all"}, "
                        + $"version {old.ToolVersion}); give another folder to start a new one");
                }
            }
            else
            {
                AtomicFile.WriteText(path, manifest.ToJson());
            }
            return new SweepStore(dir, manifest, lockStream);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ZoneLabInputException("--out " + dir, e.Message);
        }
    }

    /// <summary>Rows of a folder (results plus parts), de-duplicated by point, without taking its lock (for merge).</summary>
    public static Dictionary<int, SweepRow> ReadRows(string dir, IReadOnlyList<SweepColumn> columns, out List<string> parts)
    {
        var rows = new Dictionary<int, SweepRow>();
        string results = Path.Combine(dir, ParquetFile);
        if (File.Exists(results))
        {
            foreach (SweepRow r in SweepParquet.Read(results, columns))
            {
                rows[r.Point] = r;
            }
        }
        parts = [];
        string partsDir = Path.Combine(dir, PartsFolder);
        if (System.IO.Directory.Exists(partsDir))
        {
            foreach (string f in System.IO.Directory.EnumerateFiles(partsDir, "*.json").Order(StringComparer.Ordinal))
            {
                SweepRow r = ReadPart(f, columns);
                rows[r.Point] = r;
                parts.Add(f);
            }
        }
        return rows;
    }

    /// <summary>The finished points' rows.</summary>
    public Dictionary<int, SweepRow> Rows() => ReadRows(Directory, Columns, out _);

    /// <summary>Records a finished point (atomically, at once).</summary>
    public void AddPart(SweepRow row)
    {
        string path = Path.Combine(Directory, PartsFolder, $"p-{row.Point.ToString("D9", CultureInfo.InvariantCulture)}.json");
        AtomicFile.Write(path, s => WriteJson(s, Columns, row));
    }

    /// <summary>
    /// Folds the parts into results.parquet and results.csv (each replaced atomically), then removes the parts folded
    /// in; returns the rows, sorted by point.
    /// </summary>
    public List<SweepRow> Compact()
    {
        lock (_compactGate)
        {
            Dictionary<int, SweepRow> rows = ReadRows(Directory, Columns, out List<string> parts);
            List<SweepRow> sorted = [.. rows.Values.OrderBy(r => r.Point)];
            if (parts.Count > 0 || !File.Exists(Path.Combine(Directory, ParquetFile)))
            {
                WriteResults(Directory, Columns, sorted);
                foreach (string p in parts)
                {
                    File.Delete(p);
                }
            }
            foreach (string stale in System.IO.Directory.EnumerateFiles(Directory, "*" + AtomicFile.TempSuffix)
                .Concat(System.IO.Directory.EnumerateFiles(Path.Combine(Directory, PartsFolder), "*" + AtomicFile.TempSuffix)))
            {
                File.Delete(stale); // left by a killed writer; we hold the lock, so no live writer owns it
            }
            return sorted;
        }
    }

    /// <summary>Writes results.parquet, results.csv and results.jsonl of <paramref name="sorted"/> into <paramref name="dir"/>.</summary>
    public static void WriteResults(string dir, IReadOnlyList<SweepColumn> columns, IReadOnlyList<SweepRow> sorted)
    {
        AtomicFile.Write(Path.Combine(dir, ParquetFile), s => SweepParquet.Write(s, columns, sorted));
        AtomicFile.WriteText(Path.Combine(dir, CsvFile), SweepCsv.Write(columns, sorted));
        AtomicFile.Write(Path.Combine(dir, JsonLinesFile), s =>
        {
            foreach (SweepRow r in sorted)
            {
                WriteJson(s, columns, r);
                s.WriteByte((byte)'\n');
            }
        });
    }

    /// <summary>One row as a JSON object (column name → value); a part file, and a line of results.jsonl.</summary>
    private static void WriteJson(Stream s, IReadOnlyList<SweepColumn> columns, SweepRow row)
    {
        using var w = new Utf8JsonWriter(s);
        w.WriteStartObject();
        for (int c = 0; c < columns.Count; c++)
        {
            w.WritePropertyName(columns[c].Name);
            switch (row.Values[c])
            {
                case null:
                    w.WriteNullValue();
                    break;
                case int i:
                    w.WriteNumberValue(i);
                    break;
                case long l:
                    w.WriteNumberValue(l);
                    break;
                case double d:
                    w.WriteNumberValue(d);
                    break;
                case string t:
                    w.WriteStringValue(t);
                    break;
                default:
                    throw new InvalidOperationException($"column {columns[c].Name}: unexpected value type");
            }
        }
        w.WriteEndObject();
    }

    private static SweepRow ReadPart(string path, IReadOnlyList<SweepColumn> columns)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var values = new object?[columns.Count];
            for (int c = 0; c < columns.Count; c++)
            {
                JsonElement e = doc.RootElement.GetProperty(columns[c].Name);
                values[c] = e.ValueKind == JsonValueKind.Null ? null : columns[c].Type switch
                {
                    SweepColumnType.Int32 => e.GetInt32(),
                    SweepColumnType.Int64 => e.GetInt64(),
                    SweepColumnType.Double => e.GetDouble(),
                    SweepColumnType.String => e.GetString(),
                    _ => throw new InvalidOperationException($"column {columns[c].Name}: no JSON type"),
                };
            }
            return new SweepRow(values);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new ZoneLabInputException(path, $"not a part of this sweep: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();
}

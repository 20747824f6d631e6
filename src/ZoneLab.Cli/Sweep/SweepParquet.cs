using Parquet;
using Parquet.Schema;

namespace ZoneLab.Cli.Sweep;

/// <summary>results.parquet: one row group of the rows in point order, one column per <see cref="SweepColumn"/> (Parquet.Net).</summary>
internal static class SweepParquet
{
    private static DataField Field(SweepColumn c) => c.Type switch
    {
        SweepColumnType.Int32 => new DataField<int>(c.Name),
        SweepColumnType.Int64 => new DataField<long>(c.Name),
        SweepColumnType.String => new DataField<string>(c.Name, nullable: false),
        SweepColumnType.Double => new DataField<double?>(c.Name),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Type, "no Parquet type for this column type"),
    };

    /// <summary>Writes <paramref name="rows"/> (sorted by point) to <paramref name="output"/>.</summary>
    public static void Write(Stream output, IReadOnlyList<SweepColumn> columns, IReadOnlyList<SweepRow> rows) => WriteAsync(output, columns, rows).GetAwaiter().GetResult();

    private static async Task WriteAsync(Stream output, IReadOnlyList<SweepColumn> columns, IReadOnlyList<SweepRow> rows)
    {
        DataField[] fields = [.. columns.Select(Field)];
        var schema = new ParquetSchema(fields);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, output);
        using ParquetRowGroupWriter rg = writer.CreateRowGroup();
        for (int c = 0; c < columns.Count; c++)
        {
            switch (columns[c].Type)
            {
                case SweepColumnType.Int32:
                    await rg.WriteAsync<int>(fields[c], rows.Select(r => (int)r.Values[c]!).ToArray().AsMemory());
                    break;
                case SweepColumnType.Int64:
                    await rg.WriteAsync<long>(fields[c], rows.Select(r => (long)r.Values[c]!).ToArray().AsMemory());
                    break;
                case SweepColumnType.String:
                    await rg.WriteAsync(fields[c], rows.Select(r => (string)r.Values[c]!).ToArray());
                    break;
                case SweepColumnType.Double:
                    await rg.WriteAsync<double>(fields[c], rows.Select(r => (double?)r.Values[c]).ToArray().AsMemory());
                    break;
                default:
                    throw new InvalidOperationException($"column {columns[c].Name}: no Parquet type");
            }
        }
    }

    /// <summary>
    /// Reads the rows of a results.parquet written for <paramref name="columns"/>; a file of other columns (another
    /// grid or version) is an input error naming it.
    /// </summary>
    public static List<SweepRow> Read(string path, IReadOnlyList<SweepColumn> columns) => ReadAsync(path, columns).GetAwaiter().GetResult();

    private static async Task<List<SweepRow>> ReadAsync(string path, IReadOnlyList<SweepColumn> columns)
    {
        var rows = new List<SweepRow>();
        try
        {
            await using FileStream fs = File.OpenRead(path);
            await using ParquetReader reader = await ParquetReader.CreateAsync(fs);
            DataField[] fields = reader.Schema.GetDataFields();
            if (fields.Length != columns.Count || !fields.Select(f => f.Name).SequenceEqual(columns.Select(c => c.Name)))
            {
                throw new ZoneLabInputException(path, $"its columns ({string.Join(", ", fields.Select(f => f.Name))}) are not this sweep's");
            }
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                using ParquetRowGroupReader rg = reader.OpenRowGroupReader(g);
                int n = checked((int)rg.RowCount);
                var values = new object?[n][];
                for (int r = 0; r < n; r++)
                {
                    values[r] = new object?[columns.Count];
                }
                for (int c = 0; c < columns.Count; c++)
                {
                    switch (columns[c].Type)
                    {
                        case SweepColumnType.Int32:
                            {
                                var a = new int[n];
                                await rg.ReadAsync<int>(fields[c], a.AsMemory());
                                for (int r = 0; r < n; r++)
                                {
                                    values[r][c] = a[r];
                                }
                                break;
                            }
                        case SweepColumnType.Int64:
                            {
                                var a = new long[n];
                                await rg.ReadAsync<long>(fields[c], a.AsMemory());
                                for (int r = 0; r < n; r++)
                                {
                                    values[r][c] = a[r];
                                }
                                break;
                            }
                        case SweepColumnType.String:
                            {
                                var a = new string?[n];
                                await rg.ReadAsync(fields[c], a.AsMemory());
                                for (int r = 0; r < n; r++)
                                {
                                    values[r][c] = a[r];
                                }
                                break;
                            }
                        case SweepColumnType.Double:
                            {
                                var a = new double?[n];
                                await rg.ReadAsync<double>(fields[c], a.AsMemory());
                                for (int r = 0; r < n; r++)
                                {
                                    values[r][c] = a[r];
                                }
                                break;
                            }
                        default:
                            throw new InvalidOperationException($"column {columns[c].Name}: no Parquet type");
                    }
                }
                foreach (object?[] v in values)
                {
                    rows.Add(new SweepRow(v));
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw new ZoneLabInputException(path, $"not a readable sweep results file: {e.Message}");
        }
        return rows;
    }
}

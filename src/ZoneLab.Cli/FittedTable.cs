using Spectre.Console;

namespace ZoneLab.Cli;

/// <summary>
/// A table that fits the console without breaking a number: headers may wrap between words, cells never wrap.
/// It is printed as a bordered table when that fits, else borderless and tighter, else vertically (one block
/// per row, "header  value" lines), so no value is ever cut or split across lines at 80 or 100 columns.
/// </summary>
internal static class FittedTable
{
    /// <summary>Writes <paramref name="rows"/> under <paramref name="headers"/>; column 0 is the row label (left-aligned).</summary>
    public static void Write(IAnsiConsole c, string? title, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows, TableBorder? border = null)
    {
        int width = c.Profile.Width;
        int n = headers.Count;
        var cell = new int[n];
        var headerFull = new int[n];
        var headerWord = new int[n];
        for (int i = 0; i < n; i++)
        {
            headerFull[i] = headers[i].Length;
            headerWord[i] = headers[i].Split(' ').Max(w => w.Length);
            foreach (string[] r in rows)
            {
                cell[i] = Math.Max(cell[i], i < r.Length ? r[i].Length : 0);
            }
        }
        // bordered: "│ a │ b │" is the widths + 3 per column + 1; borderless with one space between columns
        foreach ((bool bordered, bool fullHeaders) in new[] { (true, true), (true, false), (false, true), (false, false) })
        {
            int total = bordered ? 1 : -1;
            var widths = new int[n];
            for (int i = 0; i < n; i++)
            {
                widths[i] = Math.Max(cell[i], fullHeaders ? headerFull[i] : headerWord[i]);
                total += widths[i] + (bordered ? 3 : 1);
            }
            if (total <= width)
            {
                c.Write(Build(title, headers, rows, widths, bordered ? border ?? TableBorder.Square : TableBorder.None, bordered));
                return;
            }
        }
        WriteVertical(c, title, headers, rows);
    }

    private static Table Build(string? title, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows, int[] widths, TableBorder border, bool bordered)
    {
        var table = new Table().Border(border);
        if (title != null)
        {
            table.Title(Markup.Escape(title));
        }
        for (int i = 0; i < headers.Count; i++)
        {
            var col = new TableColumn(Markup.Escape(headers[i])).Width(widths[i]);
            col.Padding(bordered ? 1 : 0, 0, bordered ? 1 : 1, 0);
            table.AddColumn(i == 0 ? col : col.RightAligned());
        }
        foreach (string[] r in rows)
        {
            table.AddRow(r.Select(Markup.Escape).ToArray());
        }
        return table;
    }

    // one block per row: the row label, then "header  value" lines, for consoles narrower than any table form
    private static void WriteVertical(IAnsiConsole c, string? title, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        if (title != null)
        {
            c.WriteLine(title);
        }
        int pad = headers.Skip(1).Select(h => h.Length).DefaultIfEmpty(0).Max();
        foreach (string[] r in rows)
        {
            c.WriteLine($"  {headers[0]}: {(r.Length > 0 ? r[0] : string.Empty)}");
            for (int i = 1; i < headers.Count; i++)
            {
                c.WriteLine($"    {headers[i].PadRight(pad)}  {(i < r.Length ? r[i] : string.Empty)}");
            }
        }
    }
}

namespace ZoneLab.Cli;

/// <summary>One table of the compare report, rendered alike as text, markdown and HTML.</summary>
/// <param name="Title">Heading.</param>
/// <param name="Definition">What the columns mean and which kernel functions they mirror (one paragraph).</param>
/// <param name="Headers">Column headers; the first column is the row label.</param>
/// <param name="Rows">Cells, already formatted (invariant culture).</param>
internal sealed record ReportTable(string Title, string Definition, IReadOnlyList<string> Headers, IReadOnlyList<string[]> Rows);

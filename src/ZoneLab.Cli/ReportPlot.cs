namespace ZoneLab.Cli;

/// <summary>A plot written next to the report: its file name in the report folder, title and caption.</summary>
internal sealed record ReportPlot(string FileName, string Title, string Caption);

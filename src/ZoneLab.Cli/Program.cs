using System.CommandLine;
using ZoneLab;
using ZoneLab.Cli;

RootCommand root = new("ZoneLab: a faithful model of the Linux physical page allocator (zones, ZONE_MOVABLE, CMA designs).");
root.Subcommands.Add(LayoutCommand.Create());
root.Subcommands.Add(ProcCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(WatermarksCommand.Create());
root.Subcommands.Add(HotplugCommand.Create());
root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(OracleCommand.Create());

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors)
    {
        Console.Error.WriteLine($"zonelab: {e.Message}");
    }
    return 2;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ZoneLabInputException ex)
{
    Console.Error.WriteLine($"zonelab: {ex.Message}");
    return 2;
}

using System.CommandLine;
using ZoneLab.Contiguous;
using ZoneLab.Oracle;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab oracle costs DIR...</c>: the time per page the guest spent on each step that emptied a contiguous range
/// (gigantic pages, offline), the per-call and per-pageblock fit of cma_alloc over an empty range, and their
/// ratios next to the cost model's (docs/fidelity.md, "Costs measured in the guest").
/// </summary>
internal static class OracleCostsCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dir") { Description = "Recordings (a run, or a folder of run* folders).", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("costs", "Print the guest's time per page moved and per pageblock isolated, from the recordings' steps.txt and vmstat.");
        cmd.Arguments.Add(dirs);
        cmd.SetAction(pr =>
        {
            (List<GuestCostRow> rows, List<PageblockFit> fits) = GuestCostTable.Measure(pr.GetValue(dirs)!);
            if (rows.Count == 0 && fits.Count == 0)
            {
                // an empty table would read as "measured, nothing found"; say what the command needs instead
                Console.Error.WriteLine("zonelab: no step of these recordings empties a contiguous range (gigantic pages from CMA, memory offline), so there is nothing to time; "
                    + "the suite's workloads that do are cma-under-dirty-pagecache, cma-under-anon, cma-under-pagecache and offline-movable-under-load");
                return 0;
            }
            Console.Write(GuestCostTable.Markdown(rows, fits, new ContigCostModel()));
            return 0;
        });
        return cmd;
    }
}

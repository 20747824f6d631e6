using System.CommandLine;
using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Cli;

/// <summary>
/// <c>zonelab hotplug</c>: boot a machine, then write memory block states in the order given
/// (<c>--offline 12 --online-movable 12</c>) and print the result, the memory blocks and the zones after each step.
/// </summary>
internal static class HotplugCommand
{
    private static readonly (string Option, string Value)[] s_steps =
    [
        ("--offline", "offline"), ("--online", "online"), ("--online-kernel", "online_kernel"), ("--online-movable", "online_movable"),
    ];

    public static Command Create()
    {
        var dimm = new Option<string[]>("--dimm") { Description = "Hot-add a DIMM: SIZE[@BASE] (QEMU pc default base: end of RAM above 4 GiB).", AllowMultipleArgumentsPerToken = false };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the step results." };
        var cmd = new Command("hotplug", "Memory hotplug: online/offline memory blocks with the kernel's zone choice and failure rules; prints memory blocks (valid_zones) and zones after each step.");
        MachineOptionSet machine = MachineOptionSet.AddTo(cmd, MachineOption.Dmesg | MachineOption.Mem | MachineOption.Numa | MachineOption.Machine
            | MachineOption.Arch | MachineOption.Zoneinfo);
        foreach (Option o in new Option[] { dimm, quiet })
        {
            cmd.Options.Add(o);
        }
        foreach ((string name, string value) in s_steps)
        {
            cmd.Options.Add(new Option<string[]>(name) { Description = $"Write '{value}' to memoryN/state (repeatable; steps run in command-line order)." });
        }
        var kernelArgs = new Argument<string[]>("kernel-args") { Description = "Kernel arguments after a bare --.", Arity = ArgumentArity.ZeroOrMore };
        cmd.Arguments.Add(kernelArgs);
        cmd.SetAction(pr =>
        {
            LayoutBuilder builder = machine.Builder(pr);
            builder.WithExtraArgs(pr.GetValue(kernelArgs) ?? Array.Empty<string>());
            if (machine.ZoneinfoPath(pr) is string z)
            {
                builder.WithZoneinfo(z);
            }
            BootLayout layout = builder.Build();
            List<Dimm> dimms = DimmOptions.Parse(pr.GetValue(dimm) ?? Array.Empty<string>(), layout);
            using MemoryHotplug hp = HotplugMachine.Create(layout, new HotplugOptions { Dimms = dimms });
            bool q = pr.GetValue(quiet);
            if (!q)
            {
                Print(hp);
            }
            // steps in command-line order; like `echo offline > state` in a script, a refused step makes the exit status 1
            int failed = 0;
            var tokens = pr.Tokens.Select(t => t.Value).ToList();
            for (int i = 0; i < tokens.Count - 1; i++)
            {
                int k = Array.FindIndex(s_steps, s => s.Option == tokens[i]);
                if (k < 0)
                {
                    continue;
                }
                if (!ulong.TryParse(tokens[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong block))
                {
                    throw new ZoneLabInputException(tokens[i], $"'{tokens[i + 1]}' is not a memory block number");
                }
                if (hp.Block(block) is null)
                {
                    // the shell's "can't create /sys/devices/system/memory/memoryN/state": no such block in this machine
                    ulong first = hp.Blocks.Min(b => b.Index), last = hp.Blocks.Max(b => b.Index);
                    throw new ZoneLabInputException(tokens[i], $"memory{block} does not exist (this machine has memory{first}..memory{last})");
                }
                string before = hp.ValidZones(block);
                HotplugResult r = hp.WriteState(block, s_steps[k].Value);
                Console.Out.WriteLine($"== echo {s_steps[k].Value} > memory{block}/state  (before: valid_zones={before})");
                if (!r.Success)
                {
                    failed++;
                    Console.Out.WriteLine($"sh: write error: {r.Text}");
                }
                foreach (string msg in r.Messages)
                {
                    Console.Out.WriteLine($"   kernel: {msg}");
                }
                string after = hp.Block(block) is HotplugBlock hb ? $"state={(hb.State == BlockState.Online ? "online" : "offline")} valid_zones={hp.ValidZones(block)}" : "no such block";
                Console.Out.WriteLine($"   result: {(r.Success ? "OK" : "FAILED")}{(r.Migrated > 0 ? $" ({r.Migrated} pages migrated in {r.Passes} passes)" : string.Empty)}");
                Console.Out.WriteLine($"   after: {after}");
                if (!q)
                {
                    Print(hp);
                }
            }
            return failed > 0 ? 1 : 0;
        });
        return cmd;
    }

    private static void Print(MemoryHotplug hp)
    {
        Console.Out.Write(hp.WriteBlocks());
        foreach (Zone z in hp.Machine.Zones)
        {
            Console.Out.WriteLine($"Node {z.Node}, zone {z.Name,8}: start_pfn {z.StartPfn,9} spanned {z.SpannedPages,9} present {z.PresentPages,9} managed {z.ManagedPages,9} min {z.Watermarks.Min} low {z.Watermarks.Low} high {z.Watermarks.High}");
        }
        Console.Out.WriteLine($"min_free_kbytes = {hp.Machine.WatermarkCalculator.MinFreeKbytes}");
    }
}

using ZoneLab.Layout;

namespace ZoneLab.Cli;

/// <summary>The machine options shared by every command that builds a machine.</summary>
internal static class MachineOptions
{
    public static LayoutBuilder Build(string? dmesg, string? mem, string? numa, string machine)
    {
        var builder = new LayoutBuilder();
        if (dmesg != null && mem != null)
        {
            throw new ZoneLabInputException("--dmesg/--mem", "give either a boot log (--dmesg) or a size (--mem), not both");
        }
        if (dmesg != null)
        {
            if (numa != null)
            {
                throw new ZoneLabInputException("--numa", "--numa goes with --mem; with --dmesg the nodes come from the log's SRAT lines");
            }
            return builder.FromDmesg(dmesg);
        }
        if (mem == null)
        {
            throw new ZoneLabInputException("machine", "no machine given; expected --dmesg FILE or --mem SIZE (e.g. --mem 8G)");
        }
        QemuMachineType type = machine.ToLowerInvariant() switch
        {
            "pc" => QemuMachineType.Pc,
            "q35" => QemuMachineType.Q35,
            _ => throw new ZoneLabInputException("--machine", $"'{machine}' is not a machine type; expected pc or q35"),
        };
        ulong ram = KernelNumber.ParseSize(mem, "--mem");
        List<ulong>? nodes = null;
        if (numa != null)
        {
            nodes = new List<ulong>();
            foreach (string part in numa.Split(',', StringSplitOptions.TrimEntries))
            {
                nodes.Add(KernelNumber.ParseSize(part, "--numa"));
            }
        }
        return builder.FromQemu(ram, type, nodes);
    }
}

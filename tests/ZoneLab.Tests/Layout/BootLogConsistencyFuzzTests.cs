using CsCheck;
using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// The real boot logs mutated where the consistency checks and the user-map reading look: a hex digit of a zone
/// range, node range, e820 or "e820: update" line changed, a setup_data update ("usable ==> usable") or an
/// "extended:" map entry made up from another line, a mem=/memmap= added to "Kernel command line:". Reading and laying
/// out either works (and printing the layout works) or stops with <see cref="ZoneLabInputException"/>; never another
/// exception. ZONELAB_FUZZ_ITER raises the iteration count for a campaign (5,000 were run when this was written).
/// </summary>
public class BootLogConsistencyFuzzTests
{
    private static readonly string[][] s_logs = Directory.GetDirectories(FixturePath.Get("real-x86"))
        .Order(StringComparer.Ordinal)
        .Select(d => File.ReadAllLines(Path.Combine(d, "dmesg.txt")))
        .ToArray();

    private static readonly string[] s_targets = ["  DMA", "  Normal", "  node ", "BIOS-e820:", "e820: update", "user: ", "Kernel command line:"];

    private static readonly string[] s_args =
        ["mem=1G", "mem=0x100000", "memmap=64M$0x40000000", "memmap=1G@0x100000000", "memmap=exactmap memmap=640K@0 memmap=1G@1M",
            "memmap=4G!4G", "memmap=16M%0x10000000-1+2", "mem=1T", "memmap=1M$0"];

    private const string Hex = "0123456789abcdefx-";

    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("ZONELAB_FUZZ_ITER"), out int n) ? n : 300;

    [Fact]
    public void MutatedRangesAndMapsReadOrFailWithALocatedMessage()
    {
        Gen.Select(Gen.Int[0, s_logs.Length - 1], Gen.Int[0, 6], Gen.Int[0, 1000], Gen.Int[0, 5], Gen.Int[0, 1000])
            .Sample((log, target, pick, op, r) =>
            {
                var lines = s_logs[log].ToList();
                int[] hits = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains(s_targets[target], StringComparison.Ordinal)).ToArray();
                if (hits.Length == 0)
                {
                    return;
                }
                int at = hits[pick % hits.Length];
                string line = lines[at];
                int p = line.Length == 0 ? 0 : (r * 7919) % line.Length;
                switch (op)
                {
                    case 0: // one hex digit or separator changed
                        lines[at] = line[..p] + Hex[r % Hex.Length] + line[(p + 1)..];
                        break;
                    case 1: // a setup_data update made up from this line's first range
                        lines.Insert(at, "[    0.000000] e820: update " + MemPart(line) + " usable ==> usable");
                        break;
                    case 2: // an "extended:" entry made up from this line
                        lines.Insert(at, "[    0.000000] extended: " + MemPart(line) + " usable");
                        break;
                    case 3: // a kernel argument the log's kernel did not see
                        int k = lines.FindIndex(l => l.Contains("Kernel command line: ", StringComparison.Ordinal));
                        if (k >= 0)
                        {
                            lines[k] = lines[k].Replace("Kernel command line: ", "Kernel command line: " + s_args[r % s_args.Length] + " ", StringComparison.Ordinal);
                        }
                        break;
                    case 4:
                        lines.RemoveAt(at);
                        break;
                    default:
                        lines.Insert(at, line);
                        break;
                }
                try
                {
                    BootLayout layout = new LayoutBuilder().FromMachine(DmesgReader.Read(lines, "fuzz.txt")).Build();
                    _ = LayoutDmesgWriter.Write(layout);
                }
                catch (ZoneLabInputException)
                {
                    // a located, one-line refusal is the accepted outcome for damaged input
                }
            }, iter: Iterations);
    }

    private static string MemPart(string line)
    {
        int s = line.IndexOf("[mem ", StringComparison.Ordinal);
        int e = s < 0 ? -1 : line.IndexOf(']', s);
        return s < 0 || e < 0 ? "[mem 0x00000000-0x00000fff]" : line[s..(e + 1)];
    }
}

using CsCheck;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Layout;

/// <summary>
/// The real boot logs of Fixtures/real-x86, mutated at random (a byte deleted, replaced or inserted, a line cut
/// short, dropped or repeated): reading them and computing the layout either works or stops with
/// <see cref="ZoneLabInputException"/>, never another exception.
/// </summary>
public class DmesgReaderFuzzTests
{
    private static readonly string[][] s_logs = Directory.GetDirectories(FixturePath.Get("real-x86"))
        .Order(StringComparer.Ordinal)
        .Select(d => File.ReadAllLines(Path.Combine(d, "dmesg.txt")))
        .ToArray();

    private const string Bytes = " :=[]()-.x0123456789abcdefK>#";

    [Fact]
    public void MutatedRealLogsReadOrFailWithALocatedMessage()
    {
        Gen.Select(Gen.Int[0, s_logs.Length - 1], Gen.Int[0, 400], Gen.Int[0, 5], Gen.Int[0, 400], Gen.Int[0, Bytes.Length - 1])
            .Sample((log, lineAt, op, at, b) =>
            {
                var lines = s_logs[log].ToList();
                int i = lineAt % lines.Count;
                string line = lines[i];
                int p = line.Length == 0 ? 0 : at % line.Length;
                switch (op)
                {
                    case 0:
                        lines[i] = line.Length == 0 ? line : line.Remove(p, 1);
                        break;
                    case 1:
                        lines[i] = line.Length == 0 ? line : line[..p] + Bytes[b] + line[(p + 1)..];
                        break;
                    case 2:
                        lines[i] = line.Insert(p, Bytes[b].ToString());
                        break;
                    case 3:
                        lines[i] = line[..p];
                        break;
                    case 4:
                        lines.RemoveAt(i);
                        break;
                    default:
                        lines.Insert(i, line);
                        break;
                }
                try
                {
                    MachineDescription m = DmesgReader.Read(lines, "fuzz.txt");
                    _ = new LayoutBuilder().FromMachine(m).Build();
                }
                catch (ZoneLabInputException)
                {
                    // a located, one-line refusal is the accepted outcome for damaged input
                }
            }, iter: 400);
    }
}

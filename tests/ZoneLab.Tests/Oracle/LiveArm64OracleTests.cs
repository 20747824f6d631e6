using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Boots Debian's stock 6.1 arm64 kernel under qemu-system-aarch64 now (tests/oracle/arm64/boot-arm64.sh) in
/// configurations that are not among the recorded fixtures, and requires the model to reproduce its zones, its
/// modelled kernel lines (NUMA, zones, CMA) and its zoneinfo <c>cma</c>. Runs when ZONELAB_LIVE_ORACLE=1 and QEMU
/// for arm is installed; otherwise it is reported as skipped.
/// </summary>
public class LiveArm64OracleTests
{
    public static TheoryData<string, string, string> Configurations => new()
    {
        { "--mem 3584M", "cma=160M hugetlb_cma=1G", "live-arm64-3584m" },
        { "--mem 5G --numa 3G,2G", "cma_pernuma=32M cma=96M@0x50000000-0xa0000000 movablecore=1G", "live-arm64-5g-numa" },
    };

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void FreshBootMatchesTheModel(string options, string kernelArgs, string name)
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("ZONELAB_LIVE_ORACLE") == "1", "set ZONELAB_LIVE_ORACLE=1 to boot real kernels");
        string? script = RepoFiles.Find("tests/oracle/arm64/boot-arm64.sh");
        Skip.If(script == null, "tests/oracle/arm64/boot-arm64.sh not found");
        Skip.If(!File.Exists("/usr/bin/qemu-system-aarch64"), "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)");

        string Opt(string n) => OracleBoot.Option(options, n);
        string outDir = Path.Combine(Path.GetTempPath(), "zonelab-live-" + name);
        List<ulong>? numa = OracleBoot.Numa(options);
        var scriptArgs = new List<string> { "--mem", Opt("--mem") };
        if (numa != null)
        {
            scriptArgs.Add("--numa");
            scriptArgs.Add(string.Join(' ', Opt("--numa").Split(',').Select((m, i) => $"node,mem={m}" + (i == 0 ? ",cpus=0" : string.Empty))));
        }
        OracleBoot.Run(script!, outDir, scriptArgs, kernelArgs,
            (exit, err) => exit == 2 || err.Contains("Unable to locate package", StringComparison.Ordinal) || err.Contains("Couldn't find any package", StringComparison.Ordinal),
            "the arm64 kernel or busybox package could not be fetched (dpkg --add-architecture arm64; apt-get update): ");

        string cmdline = File.ReadAllText(Path.Combine(outDir, "cmdline.txt")).Trim();
        BootLayout layout = new LayoutBuilder().ForArm64(KernelNumber.ParseSize(Opt("--mem"), "--mem"), numa).WithCommandLine(cmdline).Build();
        foreach (var r in ZoneinfoReader.ReadFile(Path.Combine(outDir, "zoneinfo.txt")))
        {
            ZoneLayout z = layout.Node(r.Node)!.Zones.Single(z => z.Name == r.Zone);
            Assert.Equal((r.Spanned, r.Present, r.Cma), (z.Spanned, z.Present, z.CmaPages));
        }
        var real = File.ReadAllLines(Path.Combine(outDir, "dmesg.txt"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^\[\s*\d+\.\d+\] ", string.Empty))
            .Where(l => l.StartsWith("cma: ", StringComparison.Ordinal) || l.StartsWith("hugetlb_cma: ", StringComparison.Ordinal) || l.StartsWith("NUMA: NODE_DATA", StringComparison.Ordinal));
        var model = LayoutDmesgWriter.Write(layout).Split('\n')
            .Where(l => l.StartsWith("cma: ", StringComparison.Ordinal) || l.StartsWith("hugetlb_cma: ", StringComparison.Ordinal) || l.StartsWith("NUMA: NODE_DATA", StringComparison.Ordinal));
        Assert.Equal(real, model);
    }

}

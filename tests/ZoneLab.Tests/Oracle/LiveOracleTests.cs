using ZoneLab.Layout;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// Boots a real Debian 6.1 kernel under QEMU now (tests/oracle/boot-x86.sh) in configurations that are not among
/// the recorded fixtures, and requires the model to reproduce it. Runs when ZONELAB_LIVE_ORACLE=1 (.ci/run sets
/// it) and QEMU is installed; otherwise it is reported as skipped.
/// </summary>
public class LiveOracleTests
{
    public static TheoryData<string, string, string> Configurations => new()
    {
        { "--mem 5G --numa 2G,3G", "kernelcore=1G movablecore=20%", "live-pc-5g-numa" },
        { "--mem 7G --machine q35", "movablecore=3G", "live-q35-7g" },
    };

    [SkippableTheory]
    [MemberData(nameof(Configurations))]
    public void FreshBootMatchesTheModel(string qemuOptions, string kernelArgs, string name)
    {
        Skip.IfNot(Environment.GetEnvironmentVariable("ZONELAB_LIVE_ORACLE") == "1", "set ZONELAB_LIVE_ORACLE=1 to boot real kernels");
        string? script = RepoFiles.Find("tests/oracle/boot-x86.sh");
        Skip.If(script == null, "tests/oracle/boot-x86.sh not found");
        Skip.If(!File.Exists("/usr/bin/qemu-system-x86_64"), "qemu-system-x86_64 is not installed");

        string outDir = Path.Combine(Path.GetTempPath(), "zonelab-live-" + name);
        OracleBoot.Run(script!, outDir, qemuOptions.Split(' '), kernelArgs,
            (exit, err) => exit == 2 && err.Contains("download", StringComparison.Ordinal), "kernel package could not be downloaded: ");

        BootLayout layout = new LayoutBuilder().FromDmesg(Path.Combine(outDir, "dmesg.txt")).Build();
        IReadOnlyList<ZoneinfoHeader> real = ZoneinfoReader.ReadFile(Path.Combine(outDir, "zoneinfo.txt"));
        foreach (ZoneinfoHeader r in real)
        {
            ZoneLayout z = layout.Node(r.Node)!.Zones.Single(z => z.Name == r.Zone);
            Assert.Equal((r.Spanned, r.Present), (z.Spanned, z.Present));
            if (r.StartPfn is ulong sp)
            {
                Assert.Equal(sp, z.StartPfn);
            }
        }

        // The same machine synthesized from the QEMU options gives the same layout.
        string Opt(string n) => OracleBoot.Option(qemuOptions, n);
        List<ulong>? numa = OracleBoot.Numa(qemuOptions);
        BootLayout synth = new LayoutBuilder()
            .FromQemu(KernelNumber.ParseSize(Opt("--mem"), "--mem"), Opt("--machine") == "q35" ? QemuMachineType.Q35 : QemuMachineType.Pc, numa)
            .WithCommandLine(kernelArgs).Build();
        Assert.Equal(LayoutDmesgWriter.Write(layout), LayoutDmesgWriter.Write(synth));
    }

}

using CsCheck;
using ZoneLab.Oracle;

namespace ZoneLab.Tests.Oracle;

/// <summary>The oracle workload language: the suite's files, the guest step file, and bad input (one line, file:line).</summary>
public class OracleWorkloadTests
{
    internal static string Root => Path.GetDirectoryName(Path.GetDirectoryName(RepoFiles.Find("oracle/record.sh")!)!)!;

    /// <summary>The suite's recorded runs of <paramref name="workload"/> on <paramref name="arch"/> and its workload file.</summary>
    internal static (List<OracleRecording> Runs, OracleWorkload Workload) Recorded(string workload, string arch)
    {
        string dir = Path.Combine(Root, "oracle", "recordings", workload, arch);
        List<OracleRecording> runs = [.. OracleCompare.Runs(dir).Select(OracleRecording.Read)];
        return (runs, OracleWorkloadLoader.LoadFile(Path.Combine(Root, "oracle", "workloads", workload + ".yaml")));
    }

    public static TheoryData<string> Workloads()
    {
        var d = new TheoryData<string>();
        foreach (string f in Directory.GetFiles(Path.Combine(Root, "oracle", "workloads"), "*.yaml").Order(StringComparer.Ordinal))
        {
            d.Add(Path.GetFileName(f));
        }
        return d;
    }

    [Fact]
    public void TheSuiteHasAtLeastSixteenWorkloads() => Assert.True(Workloads().Count >= 16);

    [Theory]
    [MemberData(nameof(Workloads))]
    public void EverySuiteWorkloadLoadsAndWritesAGuestScript(string file)
    {
        OracleWorkload w = OracleWorkloadLoader.LoadFile(Path.Combine(Root, "oracle", "workloads", file));
        foreach (string arch in w.Archs)
        {
            string script = GuestStepScript.Write(w, arch);
            Assert.Equal(w.Steps.Count, script.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    [Fact]
    public void GuestScriptHasZlguestsLineFormat()
    {
        const string yaml = """
            machine: {mem: 2G, disk: 256M}
            steps:
              - anon: {name: a, size: 8M, thp: true}
              - thin: {name: a, keep: 4}
              - file: {name: f, size: 1M, on: disk, dirty: true}
              - drop_caches: 3
              - hugepages: 10
              - gigantic: 1
              - sleep: 1500ms
              - free: a
            """;
        OracleWorkload w = OracleWorkloadLoader.Load(yaml, "t.yaml", "t");
        // by hand from zlguest.c's step grammar: 8M = 8388608 bytes, 1M = 1048576; gigantic = 32 MiB on arm64
        // (hugepages-32768kB), 1 GiB on x86_64 (hugepages-1048576kB)
        Assert.Equal(
            "anon a 8388608 -,thp\nthin a 4\nfile f /mnt/disk 1048576 1\nwrite /proc/sys/vm/drop_caches 3\n"
            + "write /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages 10\n"
            + "write /sys/kernel/mm/hugepages/hugepages-32768kB/nr_hugepages 1\nsleep 1500\nfree a\n",
            GuestStepScript.Write(w, "arm64"));
        Assert.Contains("hugepages-1048576kB/nr_hugepages 1\n", GuestStepScript.Write(w, "x86_64"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - mmap: {name: a, size: 1M}\n", "t.yaml:3:11: steps[0].mmap: unknown step 'mmap'")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - anon: {name: a, size: 4G}\n", "t.yaml:3: anon (x86_64): 4096 MiB of anonymous memory is more than RAM + swap (512 MiB)")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - anon: {name: a, size: 3K}\n", "t.yaml:3:27: steps[0].anon.size: expected a size in whole 4 KiB pages")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - free: a\n", "t.yaml:3: free (x86_64): 'a' is not held by an earlier")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - hugepages: 300\n", "t.yaml:3: hugepages (x86_64): 300 huge pages of 2 MiB are more than the guest's 512 MiB")]
    [InlineData("machine: {mem: 512M, numa: [128M, 128M]}\nsteps:\n  - sleep: 1s\n", "the node sizes add up to 256 MiB, not mem (512 MiB)")]
    [InlineData("machine: {mem: 512M, swap: 64M}\nsteps:\n  - sleep: 1s\n", "machine.swap: swap is the second virtio disk")]
    [InlineData("machine: {mem: 512M, color: red}\nsteps:\n  - sleep: 1s\n", "machine: unknown key 'color'")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - file: {name: f, size: 1M, on: disk}\n", "a file on the disk needs machine.disk")]
    [InlineData("machine: {mem: 2G}\nsteps:\n  - gigantic: 3\n", "3 gigantic pages of 1024 MiB are more than the guest's 2048 MiB")]
    [InlineData("machine: {mem: 512M}\nsteps:\n  - sleep: forever\n", "expected a duration such as 2s or 500ms")]
    [InlineData("machine: {mem: 512M}\n", "'steps' is required")]
    public void BadInputIsOneLineNamingFileAndLine(string yaml, string expected)
    {
        var e = Assert.Throws<ZoneLabInputException>(() => OracleWorkloadLoader.Load(yaml, "t.yaml", "t"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MutatedSuiteFilesLoadOrFailAsBadInput()
    {
        string[] texts = [.. Directory.GetFiles(Path.Combine(Root, "oracle", "workloads"), "*.yaml").Order(StringComparer.Ordinal).Select(File.ReadAllText)];
        Gen.Select(Gen.Int[0, texts.Length - 1], Gen.Int[0, 10_000], Gen.Char["{}[]:,-# \n0123456789MGKabcz"], Gen.Int[0, 2])
            .Sample((i, pos, c, op) =>
            {
                string t = texts[i];
                int p = pos % (t.Length + 1);
                string m = op switch
                {
                    0 => t.Insert(p, c.ToString()),
                    1 => p < t.Length ? t.Remove(p, 1) : t,
                    _ => p < t.Length ? t.Remove(p, 1).Insert(p, c.ToString()) : t,
                };
                try
                {
                    OracleWorkload w = OracleWorkloadLoader.Load(m, "m.yaml", "m");
                    foreach (string a in w.Archs)
                    {
                        GuestStepScript.Write(w, a);
                    }
                }
                catch (ZoneLabInputException e)
                {
                    Assert.DoesNotContain('\n', e.Message);
                }
            }, iter: 3000);
    }
}

using System.Diagnostics;
using ZoneLab.Layout;

namespace ZoneLab.Tests.Oracle;

/// <summary>
/// What the live-oracle tests share: running a boot script of tests/oracle (bash SCRIPT --out DIR ARGS -- KERNEL-ARGS),
/// skipping when the kernel packages cannot be fetched, and reading the QEMU options of a configuration.
/// </summary>
internal static class OracleBoot
{
    /// <summary>Runs <paramref name="script"/>; skips when <paramref name="unavailable"/> says the packages are missing, else requires exit 0.</summary>
    public static void Run(string script, string outDir, IEnumerable<string> scriptArgs, string kernelArgs, Func<int, string, bool> unavailable, string unavailableWhy)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add("--out");
        psi.ArgumentList.Add(outDir);
        foreach (string o in scriptArgs)
        {
            psi.ArgumentList.Add(o);
        }
        psi.ArgumentList.Add("--");
        foreach (string a in kernelArgs.Split(' '))
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Skip.If(unavailable(p.ExitCode, err), unavailableWhy + err.Trim());
        Assert.True(p.ExitCode == 0, $"{Path.GetFileName(script)} failed ({p.ExitCode}): {err}");
    }

    /// <summary>The value after <paramref name="name"/> in space-separated options (<c>--mem 5G</c>), or empty.</summary>
    public static string Option(string options, string name)
    {
        string[] t = options.Split(' ');
        return Array.IndexOf(t, name) is int i && i >= 0 ? t[i + 1] : string.Empty;
    }

    /// <summary>The node sizes of <c>--numa 2G,3G</c>, or null for one node.</summary>
    public static List<ulong>? Numa(string options) =>
        Option(options, "--numa") is { Length: > 0 } s ? s.Split(',').Select(x => KernelNumber.ParseSize(x, "--numa")).ToList() : null;
}

namespace ZoneLab.Tests.Cli;

public class WatermarksCommandTests
{
    [Theory]
    [InlineData("arm64-debian-6.1__d-4G-numa2-kernelcore1G")]
    [InlineData("x86_64-oracle-cma-6.1__z-debian612-movablecore25pct")]
    [InlineData("x86_64-debian-6.1__v07-3g-mem2g-kernelcore-50pct")]
    public void PrintsTheRealFilesWatermarkAndProtectionLines(string sample)
    {
        // Only the zoneinfo and the boot log: every min/low/high/promo and protection line equals the real one.
        string dir = FixturePath.Get("wmark", sample);
        string zoneinfo = Path.Combine(dir, "zoneinfo.txt");
        var (exit, stdout, _) = ZonelabProcess.Run("watermarks", "--zoneinfo", zoneinfo, "--dmesg", Path.Combine(dir, "dmesg.txt"));
        Assert.Equal(0, exit);
        static IEnumerable<string> Marks(string text) => text.Split('\n').Where(l =>
            System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+(min|low|high|promo) +\d|protection:"));
        Assert.Equal(Marks(File.ReadAllText(zoneinfo)), Marks(stdout));
    }
}

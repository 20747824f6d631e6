using ZoneLab.Cli;
using ZoneLab.Metrics;

namespace ZoneLab.Tests.Cli;

/// <summary>The report's device-area share next to published sizes (issue 13 item 8).</summary>
public class AreaSizeTableTests
{
    [Fact]
    public void SharesAreTheAreaOverMemoryAndComparedWithTheRun()
    {
        // a run with a 512 MiB area (131,072 pages) on 4 GiB (1,048,576 present pages): 12.5 %
        var run = new DesignReport { Design = "migrate-cma", ReservedPages = 131072, PresentPages = 1048576 };
        ReportTable t = AreaSizeTable.Build([run])!;
        Assert.Equal(["this run (migrate-cma)", "device areas", "512", "4,096", "12.5 %", "1.00", "the scenario"], t.Rows[0]);
        // HiKey: 128 MiB of 990 MiB = 12.93 %, 1.03 x the run's 12.5 %
        string[] hikey = t.Rows.Single(r => r[0].StartsWith("HiKey", StringComparison.Ordinal));
        Assert.Equal(("12.9 %", "1.03"), (hikey[4], hikey[5]));
        // BCM7278: 600 MiB of 2,048 = 29.3 %, 2.34 x
        string[] stb = t.Rows.Single(r => r[0].StartsWith("Broadcom BCM7278", StringComparison.Ordinal));
        Assert.Equal(("29.3 %", "2.34"), (stb[4], stb[5]));
        // hugetlb_cma=10G: the source gives no machine size, so no share
        string[] huge = t.Rows.Single(r => r[0].StartsWith("hugetlb_cma", StringComparison.Ordinal));
        Assert.Equal(("-", "-", "-"), (huge[3], huge[4], huge[5]));
        Assert.All(PublishedAreaSizes.All, p => Assert.False(string.IsNullOrWhiteSpace(p.Source)));
    }

    [Fact]
    public void NoTableWithoutAreas()
    {
        Assert.Null(AreaSizeTable.Build([new DesignReport { Design = "x", ReservedPages = 0, PresentPages = 100 }]));
    }
}

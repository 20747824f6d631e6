using System.Text.Json;
using System.Text.RegularExpressions;

namespace ZoneLab.Tests.Robustness;

/// <summary>
/// Tables at a fixed console width (COLUMNS): no line wider than the console, no value cut ("…") or split across
/// lines. Every value is checked as a whole token against the JSON output of the same run.
/// </summary>
[Collection(InProcessCollection.Name)]
public class TerminalWidthTests
{
    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(50)]
    public void LayoutNumbersStayWhole(int columns)
    {
        string[] args = ["layout", "--mem", "6G", "--numa", "2G,4G", "--", "movablecore=1G"];
        string text = WithColumns(columns, () => RobustFiles.Run(args).Out);
        InProcessResult json = RobustFiles.Run([.. args[..^2], "--format", "json", .. args[^2..]]);
        AssertFits(text, columns);
        using JsonDocument d = JsonDocument.Parse(json.Out);
        var tokens = Tokens(text);
        foreach (JsonElement n in d.RootElement.GetProperty("nodes").EnumerateArray())
        {
            foreach (JsonElement z in n.GetProperty("zones").EnumerateArray())
            {
                ulong start = z.GetProperty("start_pfn").GetUInt64(), spanned = z.GetProperty("spanned").GetUInt64();
                Assert.Contains($"0x{start:x}", tokens);
                Assert.Contains($"0x{start + spanned:x}", tokens);
                Assert.Contains(spanned.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), tokens);
                Assert.Contains(z.GetProperty("present").GetUInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture), tokens);
            }
        }
    }

    [Theory]
    [InlineData(100)]
    [InlineData(80)]
    public void CompareTablesStayWhole(int columns)
    {
        string scenario = OptionTests.ShortScenario();
        string[] args = ["compare", scenario, "--designs", "migrate-cma,zone-cma,cma-in-movable,carveout"];
        string text = WithColumns(columns, () => RobustFiles.Run(args).Out);
        string wide = WithColumns(400, () => RobustFiles.Run(args).Out);
        AssertFits(text, columns);
        Assert.DoesNotContain("…", text.Replace("…with", string.Empty)); // "…with movable-only free" is a header's own text
        // every number of the wide rendering (where nothing needs to wrap) is a whole token of the narrow one
        HashSet<string> narrow = Tokens(text);
        foreach (string t in Tokens(wide).Where(t => Regex.IsMatch(t, @"^[\d.,/%]*\d[\d.,/%]*$")))
        {
            Assert.Contains(t, narrow);
        }
    }

    private static void AssertFits(string text, int columns)
    {
        foreach (string line in text.Split('\n'))
        {
            Assert.True(line.Length <= columns, $"{line.Length} > {columns}: {line}");
        }
    }

    private static HashSet<string> Tokens(string text) =>
        Regex.Split(text, @"[\s│┃|]+").Where(t => t.Length > 0).ToHashSet();

    private static T WithColumns<T>(int columns, Func<T> run)
    {
        string? old = Environment.GetEnvironmentVariable("COLUMNS");
        Environment.SetEnvironmentVariable("COLUMNS", columns.ToString());
        try
        {
            return run();
        }
        finally
        {
            Environment.SetEnvironmentVariable("COLUMNS", old);
        }
    }
}

using CsCheck;
using ZoneLab.Workloads;

namespace ZoneLab.Tests.Workloads;

/// <summary>The full example mutated at random: it loads, or fails with one <see cref="ZoneLabInputException"/> that has a line and column.</summary>
public class ScenarioLoaderFuzzTests
{
    private static readonly string s_example = File.ReadAllText(FixturePath.Get("scenarios", "full-example.yaml"));

    private const string Chars = " :-[]{},\n#x0123456789.%/sMG\"'&*!|>";

    [Fact]
    public void MutatedExampleLoadsOrFailsWithALocation()
    {
        Gen.Select(Gen.Int[0, s_example.Length - 1], Gen.Int[0, 3], Gen.Int[0, Chars.Length - 1], Gen.Int[1, 40])
            .Sample((at, op, c, len) =>
            {
                string text = op switch
                {
                    0 => s_example.Remove(at, Math.Min(len, s_example.Length - at)),
                    1 => s_example[..at] + Chars[c] + s_example[(at + 1)..],
                    2 => s_example.Insert(at, Chars[c].ToString()),
                    _ => s_example[..at],
                };
                try
                {
                    ScenarioLoader.Load(text, "fuzz.yaml");
                }
                catch (ZoneLabInputException e)
                {
                    Assert.True(e.Line >= 1 && e.Column >= 1, e.Message);
                    Assert.StartsWith($"fuzz.yaml:{e.Line}:{e.Column}: ", e.Message);
                }
            }, iter: 800, seed: "0N0XIzNsQ0O2");
    }
}

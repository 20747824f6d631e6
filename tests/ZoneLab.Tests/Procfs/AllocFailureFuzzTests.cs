using System.Text;
using ZoneLab.Allocator;
using ZoneLab.Explain;
using ZoneLab.Procfs;

namespace ZoneLab.Tests.Procfs;

/// <summary>
/// Fuzzing the allocation-failure reader and the replay with mutated real reports: whatever the input, the result is
/// reports or a <see cref="ZoneLabInputException"/> (one line, naming the file), never another exception or a hang.
/// Inputs that once broke the reader are kept in Fixtures/explain/fuzz (the corpus) and replayed here.
/// </summary>
public sealed class AllocFailureFuzzTests
{
    private static readonly string[] s_sources = Directory.GetFiles(FixturePath.Get("explain"), "*.txt").OrderBy(f => f, StringComparer.Ordinal).ToArray();

    private static void RunOne(string text, string name)
    {
        var task = Task.Run(() =>
        {
            try
            {
                foreach (AllocFailureReport r in AllocFailureReader.Read(text, name))
                {
                    FailureVerdict v = FailureReplay.Explain(r, name);
                    _ = FailureVerdictWriter.ToJson([v], name);
                    _ = FailureVerdictWriter.ToText([v], name);
                }
            }
            catch (ZoneLabInputException ex)
            {
                Assert.DoesNotContain('\n', ex.Message);
                Assert.StartsWith(name, ex.Message, StringComparison.Ordinal);
            }
        });
        bool done;
        try
        {
            done = task.Wait(TimeSpan.FromSeconds(20));
        }
        catch (AggregateException)
        {
            done = true;
        }
        if (!done || task.Exception is not null)
        {
            // Keep the input so it can join the corpus (Fixtures/explain/fuzz).
            string kept = Path.Combine(Path.GetTempPath(), "zonelab-fuzz-" + name);
            File.WriteAllText(kept, text);
            throw new Xunit.Sdk.XunitException($"{name} (kept in {kept}): {(done ? task.Exception!.InnerException!.ToString() : "no answer within 20 s")}");
        }
    }

    /// <summary>One mutation of a real report, chosen and placed by <paramref name="rng"/>.</summary>
    internal static string Mutate(string text, Random rng)
    {
        var lines = text.Split('\n').ToList();
        int op = rng.Next(9);
        int at = rng.Next(Math.Max(1, lines.Count));
        switch (op)
        {
            case 0: // drop a line
                lines.RemoveAt(at);
                break;
            case 1: // duplicate a line
                lines.Insert(at, lines[at]);
                break;
            case 2: // cut the file
                return text[..rng.Next(text.Length + 1)];
            case 3: // a number becomes huge, negative-looking or empty
                {
                    var sb = new StringBuilder(lines[at]);
                    for (int i = 0; i < sb.Length; i++)
                    {
                        if (char.IsDigit(sb[i]) && rng.Next(4) == 0)
                        {
                            string repl = rng.Next(3) switch { 0 => "99999999999999999999999", 1 => "-1", _ => "" };
                            sb.Remove(i, 1).Insert(i, repl);
                            break;
                        }
                    }
                    lines[at] = sb.ToString();
                    break;
                }
            case 4: // flip characters
                {
                    char[] c = lines[at].ToCharArray();
                    for (int k = 0; k < 3 && c.Length > 0; k++)
                    {
                        const string Alphabet = "=:()*>[]kB|\t0x";
                        c[rng.Next(c.Length)] = Alphabet[rng.Next(Alphabet.Length)];
                    }
                    lines[at] = new string(c);
                    break;
                }
            case 5: // swap two lines
                {
                    int b = rng.Next(lines.Count);
                    (lines[at], lines[b]) = (lines[b], lines[at]);
                    break;
                }
            case 6: // join with the next line
                if (at + 1 < lines.Count)
                {
                    lines[at] += " " + lines[at + 1];
                    lines.RemoveAt(at + 1);
                }
                break;
            case 7: // wrap a line in the middle
                {
                    string l = lines[at];
                    int cut = rng.Next(l.Length + 1);
                    lines[at] = l[..cut];
                    lines.Insert(at + 1, l[cut..]);
                    break;
                }
            default: // repeat a block many times (size stays bounded by the test)
                {
                    int n = Math.Min(20, lines.Count - at);
                    var block = lines.GetRange(at, n);
                    for (int k = 0; k < 5; k++)
                    {
                        lines.InsertRange(at, block);
                    }
                    break;
                }
        }
        return string.Join('\n', lines);
    }

    [Fact]
    public void MutatedRealReports_OnlyInputErrors()
    {
        // More rounds on demand (ZONELAB_FUZZ_ROUNDS), e.g. before adding to the corpus; the default keeps CI short.
        int n = int.TryParse(Environment.GetEnvironmentVariable("ZONELAB_FUZZ_ROUNDS"), out int e) ? e : 400;
        int seed = int.TryParse(Environment.GetEnvironmentVariable("ZONELAB_FUZZ_SEED"), out int s) ? s : 20261206;
        var rng = new Random(seed);
        for (int i = 0; i < n; i++)
        {
            string source = s_sources[i % s_sources.Length];
            string text = File.ReadAllText(source);
            int rounds = 1 + rng.Next(3);
            for (int r = 0; r < rounds; r++)
            {
                text = Mutate(text, rng);
            }
            RunOne(text, $"fuzz{i}.txt");
        }
    }

    [Fact]
    public void Corpus_OnlyInputErrors()
    {
        string[] corpus = Directory.GetFiles(FixturePath.Get("explain", "fuzz"), "*.txt");
        Assert.NotEmpty(corpus);
        foreach (string f in corpus)
        {
            RunOne(File.ReadAllText(f), Path.GetFileName(f));
        }
    }
}

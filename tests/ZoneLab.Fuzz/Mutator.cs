using System.Text;
using System.Text.RegularExpressions;

namespace ZoneLab.Fuzz;

/// <summary>Mutations of real inputs: numbers at their boundaries, lines dropped or repeated, bytes flipped, files cut short.</summary>
internal sealed partial class Mutator(Random rng)
{
    private static readonly string[] s_numbers =
    [
        "0", "1", "-1", "4095", "4096", "2147483647", "2147483648", "-2147483649", "4294967295", "4294967296",
        "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616", "99999",
        "0x0", "0xffffffffffffffff", "0x10000000000000000", "0x8000000000000000", "abc", "", "1e308", "NaN", "-0",
        "00000000000000000000000000001", "0xfffffffffffff000",
    ];

    private static readonly string[] s_quantities =
    [
        "0", "-1", "1e12s", "1ns", "1e308GB/s", "1E", "16E", "8T", "0B", "1K", "1e12", "NaN", "inf", "-5M", "0s",
        "1e-300s", "100000", "2147483648", "1e12GB/s", "abc", "1ms", "999999h",
    ];

    public string Number() => s_numbers[rng.Next(s_numbers.Length)];

    public string Quantity() => s_quantities[rng.Next(s_quantities.Length)];

    [GeneratedRegex(@"0x[0-9a-fA-F]+|\d+(\.\d+)?")]
    private static partial Regex NumberToken();

    [GeneratedRegex(@"(?<=:\s*)[^\s#\[\]{},][^#\n]*")]
    private static partial Regex YamlValue();

    /// <summary>A text input with 1-3 mutations.</summary>
    public string Text(string text, bool yaml = false)
    {
        var lines = text.Split('\n').ToList();
        int n = 1 + rng.Next(3);
        for (int k = 0; k < n && lines.Count > 0; k++)
        {
            int i = rng.Next(lines.Count);
            switch (rng.Next(yaml ? 10 : 9))
            {
                case 0:
                case 1:
                case 2:
                {
                    MatchCollection ms = NumberToken().Matches(lines[i]);
                    if (ms.Count > 0)
                    {
                        Match m = ms[rng.Next(ms.Count)];
                        lines[i] = lines[i][..m.Index] + Number() + lines[i][(m.Index + m.Length)..];
                    }
                    break;
                }
                case 3:
                    lines.RemoveAt(i);
                    break;
                case 4:
                    lines.Insert(i, lines[rng.Next(lines.Count)]);
                    break;
                case 5:
                    (lines[i], lines[rng.Next(lines.Count)]) = (lines[rng.Next(lines.Count)], lines[i]);
                    break;
                case 6:
                    if (lines[i].Length > 0)
                    {
                        int at = rng.Next(lines[i].Length);
                        char c = (char)(rng.Next(3) == 0 ? rng.Next(0, 32) : rng.Next(32, 127));
                        lines[i] = lines[i][..at] + c + lines[i][(at + 1)..];
                    }
                    break;
                case 7:
                    lines.RemoveRange(i, lines.Count - i); // cut short
                    break;
                case 8:
                    lines[i] = lines[i].Length > 0 ? lines[i][..rng.Next(lines[i].Length)] : lines[i];
                    break;
                default:
                {
                    Match m = YamlValue().Match(lines[i]);
                    if (m.Success)
                    {
                        lines[i] = lines[i][..m.Index] + (rng.Next(2) == 0 ? Quantity() : Number());
                    }
                    break;
                }
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>A binary input (a DTB) with 1-4 mutations: bit flips, boundary u32 values at aligned offsets, truncation.</summary>
    public byte[] Binary(byte[] blob)
    {
        var b = (byte[])blob.Clone();
        int n = 1 + rng.Next(4);
        uint[] words = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, (uint)b.Length, (uint)b.Length + 4, 0x100000, 40];
        for (int k = 0; k < n && b.Length > 0; k++)
        {
            switch (rng.Next(4))
            {
                case 0:
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1:
                {
                    // a header field (first 40 bytes) or any aligned word
                    int at = (rng.Next(2) == 0 ? rng.Next(10) : rng.Next(b.Length / 4)) * 4;
                    if (at + 4 <= b.Length)
                    {
                        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), words[rng.Next(words.Length)]);
                    }
                    break;
                }
                case 2:
                    b = b[..rng.Next(b.Length)];
                    break;
                default:
                    b[rng.Next(b.Length)] = (byte)rng.Next(256);
                    break;
            }
        }
        return b;
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    public bool Chance(int inN) => rng.Next(inN) == 0;

    public int Next(int max) => rng.Next(max);

    public static string Utf8(byte[] b) => Encoding.UTF8.GetString(b);
}

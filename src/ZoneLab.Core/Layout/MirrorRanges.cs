using System.Globalization;
using System.Text.RegularExpressions;

namespace ZoneLab.Layout;

/// <summary>
/// Mirrored (address range mirroring, <c>EFI_MEMORY_MORE_RELIABLE</c>) memory for <c>kernelcore=mirror</c>: from a
/// <c>--mirror</c> option or from the EFI memory map lines a boot log prints with <c>efi=debug</c>
/// (<c>efi_print_memmap</c>: <c>efi: mem02: [Conventional Memory|   |MR|...] range=[0x...-0x...] (4096MB)</c>).
/// <c>efi_find_mirror()</c> marks every descriptor with the attribute <c>memblock_mark_mirror()</c>, whatever its type.
/// </summary>
public static partial class MirrorRanges
{
    [GeneratedRegex(@"efi:\s+mem\d+:\s+\[([^\]]*)\]\s+range=\[0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\]")]
    private static partial Regex EfiMemLine();

    /// <summary>
    /// Parses <c>SIZE@BASE[,SIZE@BASE...]</c> (memparse sizes, e.g. <c>2G@0x100000000</c>) into byte ranges
    /// <c>[base, base + size)</c>; a malformed entry is one input error naming <paramref name="source"/>.
    /// </summary>
    public static List<(ulong Start, ulong End)> Parse(string spec, string source = "--mirror")
    {
        var list = new List<(ulong Start, ulong End)>();
        foreach (string part in spec.Split(',', StringSplitOptions.TrimEntries))
        {
            int at = part.IndexOf('@');
            if (at <= 0 || at == part.Length - 1)
            {
                throw new ZoneLabInputException(source, $"'{part}' is not SIZE@BASE (e.g. 2G@0x100000000)");
            }

            ulong size = KernelNumber.ParseSize(part[..at], source);
            ulong start = KernelNumber.ParseSize(part[(at + 1)..], source);
            if (size == 0 || start + size < start)
            {
                throw new ZoneLabInputException(source, $"'{part}': the size must be non-zero and the range must fit in 64 bits");
            }

            list.Add((start, start + size));
        }

        return list;
    }

    /// <summary>
    /// The descriptors of an EFI memory map dump whose attribute field holds <c>MR</c>, as byte ranges (the printed
    /// end is inclusive: <c>efi_mem_desc_end(md) - 1</c>). A line that starts like a descriptor but does not parse is
    /// an input error naming <paramref name="source"/> and its line.
    /// </summary>
    public static List<(ulong Start, ulong End)> FromEfiMemmap(IReadOnlyList<string> lines, string source)
    {
        var list = new List<(ulong Start, ulong End)>();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            int at = line.IndexOf("efi: mem", StringComparison.Ordinal);
            if (at < 0 || !line.Contains("range=[", StringComparison.Ordinal))
            {
                continue;
            }

            Match m = EfiMemLine().Match(line, at);
            if (!m.Success)
            {
                throw new ZoneLabInputException(source, i + 1, "expected an EFI memory map line 'efi: memNN: [type|attributes] range=[0xSTART-0xEND]'");
            }

            bool mirrored = false;
            foreach (string field in m.Groups[1].Value.Split('|'))
            {
                mirrored |= field.Trim() == "MR";
            }

            if (!mirrored)
            {
                continue;
            }

            if (!ulong.TryParse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong start)
                || !ulong.TryParse(m.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong last)
                || last < start || last == ulong.MaxValue)
            {
                throw new ZoneLabInputException(source, i + 1, "the EFI range must be two 64-bit hex addresses, start <= end");
            }

            list.Add((start, last + 1));
        }

        return list;
    }
}

using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <content>
/// The one-pass reader of a line in the exact layout the kernel prints: <c>trace_print_context()</c>'s
/// <c>"%16s-%-7d [%03d] FLAGS %5lu.%06lu: "</c> (kernel/trace/trace_output.c), then <c>EVENT: </c> and the 6.1
/// TP_printk of <c>mm_page_alloc</c>, <c>mm_page_free</c>, <c>mm_page_free_batched</c>, <c>mm_page_alloc_zone_locked</c>
/// and <c>mm_page_pcpu_drain</c> (include/trace/events/kmem.h). Nearly every line of a real trace is one of these.
/// </content>
public sealed partial class FtraceReader
{
    /// <summary>
    /// Reads <paramref name="line"/> if it is a common event in the exact kernel layout; false, with nothing
    /// set, for anything else (other events, other tools' layouts, malformed lines): the general parser
    /// (<see cref="TryParseLine"/>) then reads it or reports the error. No tokenising, no strings, no vectorised
    /// search over the short tokens.
    /// </summary>
    private bool TryReadKernelLine(ReadOnlySpan<byte> line)
    {
        int n = line.Length;
        if (n < 48 || line[n - 1] == (byte)'\r')
        {
            return false;
        }

        // The comm, right-aligned in 16 columns: a dozen blanks, skipped by one vector compare.
        int i = line.IndexOfAnyExcept((byte)' ');
        if (i < 0 || line[i] == (byte)'#')
        {
            return false;
        }

        int open = line[i..].IndexOf((byte)'[');
        if (open <= 0)
        {
            return false;
        }

        open += i;

        // TASK-PID: the pid's digits backwards from the last non-blank before '[' (no "(TGID)").
        int e = open - 1;
        while (e > i && line[e] == (byte)' ')
        {
            e--;
        }

        int k = e, pid = 0, scale = 1;
        while (k > i && (uint)(line[k] - '0') <= 9 && scale <= 100_000_000)
        {
            pid += (line[k] - '0') * scale;
            scale *= 10;
            k--;
        }

        if (k == e || k == i || line[k] != (byte)'-' || line[k - 1] == (byte)' ' || line[k - 1] == (byte)'-')
        {
            return false;
        }

        ReadOnlySpan<byte> task = line[i..k];

        // [CPU]
        int j = open + 1, cpu = 0;
        while (j < n && (uint)(line[j] - '0') <= 9 && cpu < 1_000_000)
        {
            cpu = (cpu * 10) + (line[j] - '0');
            j++;
        }

        if (j == open + 1 || j >= n || line[j] != (byte)']')
        {
            return false;
        }

        // FLAGS (trace-cmd may omit them) and TIMESTAMP:
        j = SkipBlanks(line, j + 1);
        int t = NextBlank(line, j);
        if (t >= n)
        {
            return false;
        }

        if (line[t - 1] != (byte)':')
        {
            j = SkipBlanks(line, t);
            t = NextBlank(line, j);
            if (t >= n || t == j || line[t - 1] != (byte)':')
            {
                return false;
            }
        }

        if (t - 1 == j)
        {
            return false;
        }

        long timestamp = ParseTimestamp(line[j..(t - 1)]);

        // EVENT: dispatched on its length and a byte, then compared once.
        int s = SkipBlanks(line, t + 1);
        int colon = line[s..].IndexOf((byte)':');
        if (colon < 0 || colon > 25)
        {
            return false;
        }

        colon += s;
        if (colon + 1 >= n || line[colon] != (byte)':' || line[colon + 1] != (byte)' ')
        {
            return false;
        }

        TraceEventKind kind;
        ReadOnlySpan<byte> name = line[s..colon];
        switch (name.Length)
        {
            case 12 when name.SequenceEqual("mm_page_free"u8):
                kind = TraceEventKind.PageFree;
                break;
            case 13 when name.SequenceEqual("mm_page_alloc"u8):
                kind = TraceEventKind.PageAlloc;
                break;
            case 18 when name.SequenceEqual("mm_page_pcpu_drain"u8):
                kind = TraceEventKind.PagePcpuDrain;
                break;
            case 20 when name.SequenceEqual("mm_page_free_batched"u8):
                kind = TraceEventKind.PageFreeBatched;
                break;
            case 25 when name.SequenceEqual("mm_page_alloc_zone_locked"u8):
                kind = TraceEventKind.PageAllocZoneLocked;
                break;
            default:
                return false;
        }

        // page=%p: skipped (a NULL page, a failed allocation, takes the general path).
        ReadOnlySpan<byte> f = line[(colon + 2)..];
        if (f.Length < 6 || !f.StartsWith("page="u8) || f[5] == (byte)'0')
        {
            return false;
        }

        int p = f[5..].IndexOf((byte)' ');
        if (p < 0)
        {
            return false;
        }

        p += 5;
        if (!HexAfter(f, ref p, " pfn=0x"u8, out long pfn)
            || !SmallAfter(f, ref p, " order="u8, kind == TraceEventKind.PageFreeBatched ? 0 : MaxOrder, out int order))
        {
            return false;
        }

        int mt = 0, refill = 0;
        GfpFlags gfp = 0;
        if (kind is TraceEventKind.PageAlloc or TraceEventKind.PagePcpuDrain or TraceEventKind.PageAllocZoneLocked)
        {
            if (!SmallAfter(f, ref p, " migratetype="u8, MigrateTypes.Count - 1, out mt))
            {
                return false;
            }

            if (kind == TraceEventKind.PageAllocZoneLocked && !SmallAfter(f, ref p, " percpu_refill="u8, 1, out refill))
            {
                return false;
            }

            if (kind == TraceEventKind.PageAlloc)
            {
                if (!f[p..].StartsWith(" gfp_flags="u8))
                {
                    return false;
                }

                p += " gfp_flags="u8.Length;
                int end = f[p..].IndexOf((byte)' ');
                end = end < 0 ? f.Length : p + end;
                if (end == p || !TryGfp(f[p..end], out gfp))
                {
                    return false;
                }

                p = end;
            }
        }

        // Trailing blanks only.
        for (; p < f.Length; p++)
        {
            if (f[p] != (byte)' ')
            {
                return false;
            }
        }

        _current = new TraceEvent
        {
            Kind = kind,
            Line = _line,
            Task = InternTask(task),
            Pid = pid,
            Cpu = cpu,
            Timestamp = timestamp,
            Pfn = pfn,
            Order = order,
            MigrateType = (MigrateType)mt,
            GfpFlags = gfp,
            PercpuRefill = refill == 1,
        };
        return true;
    }

    private static int SkipBlanks(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] == (byte)' ')
        {
            i++;
        }

        return i;
    }

    private static int NextBlank(ReadOnlySpan<byte> s, int i)
    {
        while (i < s.Length && s[i] != (byte)' ')
        {
            i++;
        }

        return i;
    }

    /// <summary><paramref name="key"/> at <paramref name="p"/>, then 1-15 hex digits up to a blank or the end.</summary>
    private static bool HexAfter(ReadOnlySpan<byte> s, ref int p, ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        if (!s[p..].StartsWith(key))
        {
            return false;
        }

        int i = p + key.Length, start = i;
        ulong u = 0;
        for (; i < s.Length && s[i] != (byte)' '; i++)
        {
            uint c = s[i];
            uint d = c - '0';
            if (d > 9)
            {
                d = (c | 0x20) - 'a';
                if (d > 5)
                {
                    return false;
                }

                d += 10;
            }

            u = (u << 4) | d;
        }

        // At most 15 digits: the value stays below long.MaxValue.
        if (i == start || i - start > 15)
        {
            return false;
        }

        value = (long)u;
        p = i;
        return true;
    }

    /// <summary><paramref name="key"/> at <paramref name="p"/>, then a 1-2 digit decimal no larger than <paramref name="max"/>.</summary>
    private static bool SmallAfter(ReadOnlySpan<byte> s, ref int p, ReadOnlySpan<byte> key, int max, out int value)
    {
        value = 0;
        if (!s[p..].StartsWith(key))
        {
            return false;
        }

        int i = p + key.Length, start = i;
        for (; i < s.Length && s[i] != (byte)' '; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9 || i - start >= 2)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        if (i == start || value > max)
        {
            return false;
        }

        p = i;
        return true;
    }
}

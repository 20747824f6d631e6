using System.Buffers.Binary;
using System.Numerics;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// The kernel-layout fast path: reads a line in the exact layout the kernel prints in one pass, with no
/// tokenising, no strings and no vectorised search over the short tokens: <c>trace_print_context()</c>'s
/// <c>"%16s-%-7d [%03d] FLAGS %5lu.%06lu: "</c> (kernel/trace/trace_output.c), then <c>EVENT: </c> and the 6.1
/// TP_printk of <c>mm_page_alloc</c>, <c>mm_page_free</c>, <c>mm_page_free_batched</c>, <c>mm_page_alloc_zone_locked</c>
/// and <c>mm_page_pcpu_drain</c> (include/trace/events/kmem.h). Nearly every line of a real trace is one of these.
/// Anything else (other events, other tools' layouts, malformed lines) returns false with nothing set, and the
/// general parser (<see cref="TraceLineParser"/>) reads it or reports the error.
/// </summary>
internal sealed class TraceKernelLine
{
    private const int MaxOrder = TraceLineParser.MaxOrder;
    private const ulong Blanks8 = 0x2020202020202020;

    private readonly TraceLineSource _lines;
    private readonly TraceGfpCache _gfp;
    private readonly TraceNames _names;

    /// <summary>A fast path over the lines of <paramref name="lines"/>, sharing the caches of its general parser.</summary>
    public TraceKernelLine(TraceLineSource lines, TraceGfpCache gfp, TraceNames names)
    {
        _lines = lines;
        _gfp = gfp;
        _names = names;
    }

    /// <summary>
    /// Reads <paramref name="line"/> into <paramref name="dst"/> if it is a common event in the exact kernel layout; false, with nothing
    /// set, for anything else.
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> line, ref TraceEvent dst)
    {
        int n = line.Length;
        if (n < 48 || line[n - 1] == (byte)'\r')
        {
            return false;
        }

        // The comm, right-aligned in 16 columns: up to 15 blanks, counted eight at a time (n >= 48 here).
        ulong w0 = BinaryPrimitives.ReadUInt64LittleEndian(line) ^ Blanks8;
        int i = w0 != 0 ? BitOperations.TrailingZeroCount(w0) >> 3
            : 8 + (BitOperations.TrailingZeroCount(BinaryPrimitives.ReadUInt64LittleEndian(line[8..]) ^ Blanks8) >> 3);
        if (i >= 16 || line[i] == (byte)'#')
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

        long timestamp = TraceTimestamp.Parse(line[j..(t - 1)], _lines);

        // EVENT: dispatched on its length and a byte, then compared once.
        int s = SkipBlanks(line, t + 1);
        ReadOnlySpan<byte> ev = line[s..];
        TraceEventKind kind;
        int fields;
        if (ev.StartsWith("mm_page_free: "u8))
        {
            kind = TraceEventKind.PageFree;
            fields = 14;
        }
        else if (ev.StartsWith("mm_page_alloc: "u8))
        {
            kind = TraceEventKind.PageAlloc;
            fields = 15;
        }
        else if (ev.StartsWith("mm_page_pcpu_drain: "u8))
        {
            kind = TraceEventKind.PagePcpuDrain;
            fields = 20;
        }
        else if (ev.StartsWith("mm_page_free_batched: "u8))
        {
            kind = TraceEventKind.PageFreeBatched;
            fields = 22;
        }
        else if (ev.StartsWith("mm_page_alloc_zone_locked: "u8))
        {
            kind = TraceEventKind.PageAllocZoneLocked;
            fields = 27;
        }
        else
        {
            return false;
        }

        // page=%p: skipped. %p prints 16 columns on 64-bit ("(____ptrval____)" before the hashing key is ready,
        // ptr_to_id() in lib/vsprintf.c); a NULL page, a failed allocation, takes the general path.
        ReadOnlySpan<byte> f = ev[fields..];
        if (f.Length < 6 || !f.StartsWith("page="u8) || f[5] == (byte)'0')
        {
            return false;
        }

        int p;
        if (f.Length > 21 && f[21] == (byte)' '
            && !HasBlank(BinaryPrimitives.ReadUInt64LittleEndian(f[5..])) && !HasBlank(BinaryPrimitives.ReadUInt64LittleEndian(f[13..])))
        {
            p = 21;
        }
        else
        {
            p = f[5..].IndexOf((byte)' ');
            if (p < 0)
            {
                return false;
            }

            p += 5;
        }
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
                if (end == p || !_gfp.TryGetHashed(f[p..end], out gfp))
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

        dst = new TraceEvent
        {
            Kind = kind,
            Line = _lines.Line,
            Task = _names.Task(task),
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

    /// <summary>
    /// The fields of a common event in the exact 6.1 TP_printk layout, after the general parser has read the line's
    /// context, without tokenising; false (nothing set) for anything else, which then goes through the general
    /// field parser.
    /// </summary>
    public bool TryReadFields(TraceEventKind kind, ReadOnlySpan<byte> text, string task, int pid, int cpu, long timestamp, ref TraceEvent dst)
    {
        var c = new TraceFieldCursor(text);
        long pfn;
        int order, mt, refill;
        switch (kind)
        {
            case TraceEventKind.PageAlloc:
                // A NULL page (failed allocation) takes the general path.
                if (!c.Next("page"u8, out ReadOnlySpan<byte> page) || (page.Length > 0 && page[0] == (byte)'0')
                    || !c.Pfn(out pfn) || !c.Small("order"u8, MaxOrder, out order)
                    || !c.Small("migratetype"u8, MigrateTypes.Count - 1, out mt)
                    || !c.Next("gfp_flags"u8, out ReadOnlySpan<byte> gfpText) || !c.AtEnd
                    || !_gfp.TryGet(gfpText, out GfpFlags gfp))
                {
                    return false;
                }

                dst = new TraceEvent
                {
                    Kind = kind,
                    Line = _lines.Line,
                    Task = task,
                    Pid = pid,
                    Cpu = cpu,
                    Timestamp = timestamp,
                    Pfn = pfn,
                    Order = order,
                    MigrateType = (MigrateType)mt,
                    GfpFlags = gfp,
                };
                return true;

            case TraceEventKind.PageFree:
            case TraceEventKind.PageFreeBatched:
                if (!c.Skip("page"u8) || !c.Pfn(out pfn) || !c.Small("order"u8, kind == TraceEventKind.PageFree ? MaxOrder : 0, out order) || !c.AtEnd)
                {
                    return false;
                }

                dst = new TraceEvent { Kind = kind, Line = _lines.Line, Task = task, Pid = pid, Cpu = cpu, Timestamp = timestamp, Pfn = pfn, Order = order };
                return true;

            case TraceEventKind.PagePcpuDrain:
            case TraceEventKind.PageAllocZoneLocked:
                refill = 0;
                if (!c.Skip("page"u8) || !c.Pfn(out pfn) || !c.Small("order"u8, MaxOrder, out order)
                    || !c.Small("migratetype"u8, MigrateTypes.Count - 1, out mt)
                    || (kind == TraceEventKind.PageAllocZoneLocked && !c.Small("percpu_refill"u8, 1, out refill)) || !c.AtEnd)
                {
                    return false;
                }

                dst = new TraceEvent
                {
                    Kind = kind,
                    Line = _lines.Line,
                    Task = task,
                    Pid = pid,
                    Cpu = cpu,
                    Timestamp = timestamp,
                    Pfn = pfn,
                    Order = order,
                    MigrateType = (MigrateType)mt,
                    PercpuRefill = refill == 1,
                };
                return true;

            default:
                return false;
        }
    }

    /// <summary>Whether one of the eight bytes of <paramref name="w"/> is a blank (the classic zero-byte test).</summary>
    private static bool HasBlank(ulong w)
    {
        ulong x = w ^ Blanks8;
        return ((x - 0x0101010101010101UL) & ~x & 0x8080808080808080UL) != 0;
    }

    /// <summary>The value of a hex digit byte; 0x10 for any other byte.</summary>
    private static ReadOnlySpan<byte> HexDigits =>
    [
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
    ];

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
        uint bad = 0;
        ReadOnlySpan<byte> hex = HexDigits;
        for (; i < s.Length && s[i] != (byte)' '; i++)
        {
            // A table rather than a digit/letter branch: pfn digits are random, the branch would mispredict.
            uint d = hex[s[i]];
            bad |= d;
            u = (u << 4) | (d & 0xF);
        }

        // At most 15 digits: the value stays below long.MaxValue.
        if (i == start || i - start > 15 || (bad & 0x10) != 0)
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

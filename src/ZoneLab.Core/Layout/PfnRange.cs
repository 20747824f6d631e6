namespace ZoneLab.Layout;

/// <summary>A half-open range of page frame numbers <c>[Start, End)</c>.</summary>
public readonly record struct PfnRange(ulong Start, ulong End)
{
    /// <summary>Number of pages in the range (0 when empty or inverted).</summary>
    public ulong Pages => End > Start ? End - Start : 0;

    /// <summary>True when the range holds no page.</summary>
    public bool IsEmpty => End <= Start;

    /// <summary>Intersection with another range (may be empty).</summary>
    public PfnRange Intersect(PfnRange other) => new(Math.Max(Start, other.Start), Math.Min(End, other.End));

    /// <summary>True when <paramref name="pfn"/> lies in the range.</summary>
    public bool Contains(ulong pfn) => pfn >= Start && pfn < End;

    /// <summary>Pages in a list of ranges.</summary>
    public static ulong TotalPages(IReadOnlyList<PfnRange> ranges)
    {
        ulong n = 0;
        foreach (PfnRange r in ranges)
        {
            n += r.Pages;
        }

        return n;
    }

    /// <summary>The parts of this range not covered by any of <paramref name="holes"/> (unsorted, overlapping allowed), in order.</summary>
    public List<PfnRange> Subtract(IReadOnlyList<PfnRange> holes)
    {
        var cut = new List<PfnRange>();
        foreach (PfnRange h in holes)
        {
            PfnRange x = h.Intersect(this);
            if (!x.IsEmpty)
            {
                cut.Add(x);
            }
        }

        cut.Sort((a, b) => a.Start.CompareTo(b.Start));
        var result = new List<PfnRange>();
        ulong pos = Start;
        foreach (PfnRange x in cut)
        {
            if (x.Start > pos)
            {
                result.Add(new PfnRange(pos, x.Start));
            }

            pos = Math.Max(pos, x.End);
        }

        if (pos < End)
        {
            result.Add(new PfnRange(pos, End));
        }

        return result;
    }

    public override string ToString() => $"[{Start:#,0}, {End:#,0})";
}

namespace ZoneLab.Procfs;

/// <summary>
/// One node of the kernel's resource tree (<c>struct resource</c>, kernel/resource.c) with the operations boot code
/// uses to fill <c>iomem_resource</c>: <c>request_resource</c>, <c>insert_resource</c>,
/// <c>insert_resource_expand_to_fit</c> and <c>reserve_region_with_split</c>. Children are kept in address order, as
/// the kernel's sibling lists are; ranges are inclusive (<c>start</c>..<c>end</c>) as in the kernel.
/// </summary>
public sealed class IomemResource
{
    private readonly List<IomemResource> _children = new();

    /// <summary>A resource (not yet in a tree).</summary>
    public IomemResource(string name, ulong start, ulong end)
    {
        Name = name;
        Start = start;
        End = end;
    }

    /// <summary>The name /proc/iomem prints.</summary>
    public string Name { get; }

    /// <summary>First byte.</summary>
    public ulong Start { get; private set; }

    /// <summary>Last byte (inclusive).</summary>
    public ulong End { get; private set; }

    /// <summary>The parent, null for a root or a resource not in a tree.</summary>
    public IomemResource? Parent { get; private set; }

    /// <summary>Children in address order.</summary>
    public IReadOnlyList<IomemResource> Children => _children;

    /// <summary><c>iomem_resource</c>: "PCI mem", 0..~0.</summary>
    public static IomemResource NewIomemRoot() => new("PCI mem", 0, ulong.MaxValue);

    /// <summary>mirrors request_resource(): false (-EBUSY) when <paramref name="res"/> overlaps a child or leaves this range.</summary>
    public bool Request(IomemResource res) => RequestConflict(res) == null;

    /// <summary>mirrors insert_resource(): like request, but children that <paramref name="res"/> covers become its children.</summary>
    public bool Insert(IomemResource res) => InsertConflict(res) == null;

    /// <summary>
    /// mirrors insert_resource_expand_to_fit(): grows <paramref name="res"/> over every resource it partly overlaps until
    /// it can be inserted (the kernel prints "Expanded resource NAME due to conflict with OTHER" each time).
    /// </summary>
    public void InsertExpandToFit(IomemResource res)
    {
        if (res.Parent != null)
        {
            return;
        }
        while (true)
        {
            IomemResource? conflict = InsertConflict(res);
            if (conflict == null || conflict == this)
            {
                return;
            }
            res.Start = Math.Min(res.Start, conflict.Start);
            res.End = Math.Max(res.End, conflict.End);
        }
    }

    /// <summary>
    /// mirrors reserve_region_with_split() → __reserve_region_with_split(): requests <c>start..end</c> under this
    /// resource, leaving out (splitting around) every part an existing child already holds; a range a child covers
    /// whole is dropped.
    /// </summary>
    public void ReserveRegionWithSplit(ulong start, ulong end, string name)
    {
        if (Start > start || End < end)
        {
            // "requested range ... not in root": clipped, or dropped when disjoint
            if (start > End || end < Start)
            {
                return;
            }
            start = Math.Max(start, Start);
            end = Math.Min(end, End);
        }
        var res = new IomemResource(name, start, end);
        IomemResource? next = null;
        while (true)
        {
            IomemResource? conflict = RequestConflict(res);
            if (conflict == null)
            {
                if (next == null)
                {
                    return;
                }
                res = next;
                next = null;
                continue;
            }
            if (conflict.Start <= res.Start && conflict.End >= res.End)
            {
                return; // conflict covered whole area
            }
            if (conflict.Start > res.Start)
            {
                ulong e = res.End;
                res.End = conflict.Start - 1;
                if (conflict.End < e)
                {
                    next = new IomemResource(name, conflict.End + 1, e);
                }
            }
            else
            {
                res.Start = conflict.End + 1;
            }
        }
    }

    // mirrors __request_resource(): the conflicting entry (this when outside), or null when inserted
    private IomemResource? RequestConflict(IomemResource res)
    {
        if (res.End < res.Start || res.Start < Start || res.End > End)
        {
            return this;
        }
        for (int i = 0; i < _children.Count; i++)
        {
            IomemResource tmp = _children[i];
            if (tmp.Start > res.End)
            {
                _children.Insert(i, res);
                res.Parent = this;
                return null;
            }
            if (tmp.End < res.Start)
            {
                continue;
            }
            return tmp;
        }
        _children.Add(res);
        res.Parent = this;
        return null;
    }

    // mirrors __insert_resource()
    private IomemResource? InsertConflict(IomemResource res)
    {
        IomemResource parent = this;
        IomemResource first;
        while (true)
        {
            IomemResource? c = parent.RequestConflict(res);
            if (c == null)
            {
                return null;
            }
            if (c == parent || c == res)
            {
                return c;
            }
            first = c;
            if (first.Start > res.Start || first.End < res.End)
            {
                break;
            }
            if (first.Start == res.Start && first.End == res.End)
            {
                break;
            }
            parent = first;
        }
        int i = parent._children.IndexOf(first);
        int j = i;
        while (true)
        {
            IomemResource next = parent._children[j];
            if (next.Start < res.Start || next.End > res.End)
            {
                return next; // partial overlap: bad, and unfixable
            }
            if (j + 1 >= parent._children.Count || parent._children[j + 1].Start > res.End)
            {
                break;
            }
            j++;
        }
        for (int k = i; k <= j; k++)
        {
            IomemResource moved = parent._children[k];
            moved.Parent = res;
            res._children.Add(moved);
        }
        parent._children.RemoveRange(i, j - i + 1);
        parent._children.Insert(i, res);
        res.Parent = parent;
        return null;
    }
}

using System.Globalization;
using ZoneLab.Allocator;

namespace ZoneLab.Oracle;

/// <summary>
/// A kmem cache as the engine sees it: objects packed into slabs of one order, taken from the page allocator with
/// the cache's GFP (unmovable, or __GFP_RECLAIMABLE for SLAB_RECLAIM_ACCOUNT caches), as SLUB's allocate_slab does
/// (mm/slub.c: <c>alloc_slab_page(flags | s->allocflags, node, oo)</c>). Objects per slab and pages per slab come
/// from the guest's own /proc/slabinfo, so the geometry is the real kernel's. Objects are assumed packed (no partial
/// slabs): freeing objects frees whole slabs from the newest.
/// </summary>
internal sealed class SlabCache(string name, int objPerSlab, int order, bool reclaimable)
{
    private readonly List<ulong> _slabs = [];
    private long _objects;

    public string Name => name;

    public int Order => order;

    public IReadOnlyList<ulong> Slabs => _slabs;

    /// <summary>Adds objects; returns false when a slab could not be allocated.</summary>
    public bool Add(Machine m, long n, Func<ulong, int, PageUse, bool> track)
    {
        _objects += n;
        while ((long)_slabs.Count * objPerSlab < _objects)
        {
            GfpFlags gfp = reclaimable ? Gfp.Kernel | GfpFlags.Reclaimable : Gfp.Kernel;
            PageUse use = reclaimable ? PageUse.SlabReclaimable : PageUse.Kernel;
            AllocResult r = m.Allocate(order, gfp, 0, use);
            if (!r.Success)
            {
                _objects = (long)_slabs.Count * objPerSlab;
                return false;
            }
            _slabs.Add(r.Pfn);
            track(r.Pfn, order, use);
        }
        return true;
    }

    /// <summary>Removes objects; returns the slabs that became empty (the caller frees the pages it still owns).</summary>
    public List<ulong> Remove(long n)
    {
        _objects = Math.Max(0, _objects - n);
        var freed = new List<ulong>();
        while (_slabs.Count > 0 && (long)(_slabs.Count - 1) * objPerSlab >= _objects)
        {
            freed.Add(_slabs[^1]);
            _slabs.RemoveAt(_slabs.Count - 1);
        }
        return freed;
    }

    /// <summary>
    /// The caches of a guest's /proc/slabinfo (slabinfo 2.1: name active num objsize objperslab pagesperslab ...):
    /// objects per slab, slab order and object size by cache name.
    /// </summary>
    public static Dictionary<string, (int ObjPerSlab, int Order, int ObjSize)> ReadSlabinfo(string text, string source)
    {
        var d = new Dictionary<string, (int, int, int)>(StringComparer.Ordinal);
        int ln = 0;
        foreach (string line in text.Split('\n'))
        {
            ln++;
            if (line.StartsWith("slabinfo", StringComparison.Ordinal) || line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length < 6 || !int.TryParse(t[3], CultureInfo.InvariantCulture, out int size) || !int.TryParse(t[4], CultureInfo.InvariantCulture, out int per) || !int.TryParse(t[5], CultureInfo.InvariantCulture, out int pages)
                || per <= 0 || pages <= 0 || (pages & (pages - 1)) != 0)
            {
                throw new ZoneLabInputException(source, ln, "expected 'name active num objsize objperslab pagesperslab ...'");
            }
            d[t[0]] = (per, System.Numerics.BitOperations.Log2((uint)pages), size);
        }
        return d;
    }
}

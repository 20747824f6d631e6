namespace ZoneLab.Layout;

/// <summary>
/// lib/sort.c's sort(): the kernel's bottom-up heapsort. It is not stable, and boot code that sorts equal keys
/// (fdt_init_reserved_mem() sorting dynamic reserved-memory regions, all at base 0) processes them in the order
/// this exact algorithm leaves them.
/// </summary>
public static class KernelSort
{
    /// <summary>Sorts <paramref name="items"/> in place as sort_r() does.</summary>
    public static void Sort<T>(IList<T> items, Comparison<T> cmp)
    {
        int num = items.Count;
        int n = num, a = num / 2;
        if (a == 0)
        {
            return;
        }
        while (true)
        {
            int b, c, d;
            if (a != 0)
            {
                a--; // building heap: sift down --a
            }
            else if (--n != 0)
            {
                Swap(items, 0, n); // sorting: extract root to --n
            }
            else
            {
                break;
            }

            // find the sift-down path to the leaves (one compare per level)
            for (b = a; ;)
            {
                c = 2 * b + 1;
                d = c + 1;
                if (d >= n)
                {
                    break;
                }
                b = cmp(items[c], items[d]) >= 0 ? c : d;
            }
            if (d == n)
            {
                b = c; // last leaf with no sibling
            }

            // backtrack from b to the place of a
            while (b != a && cmp(items[a], items[b]) >= 0)
            {
                b = (b - 1) / 2;
            }
            c = b;
            while (b != a)
            {
                b = (b - 1) / 2;
                Swap(items, b, c);
            }
        }
    }

    private static void Swap<T>(IList<T> l, int i, int j) => (l[i], l[j]) = (l[j], l[i]);
}

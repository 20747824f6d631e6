namespace ZoneLab.Oracle;

/// <summary>
/// What a workload's steps must satisfy on one architecture's machine: names refer to earlier steps of the right
/// kind, and no single request is larger than the guest can hold (it would end in the OOM killer or ENOSPC,
/// not in a comparison).
/// </summary>
internal static class OracleWorkloadChecks
{
    /// <summary>The gigantic page size: PUD (1 GiB) on x86_64, CONT_PMD (32 MiB = 16 × 2 MiB) on arm64 with 4 KiB pages.</summary>
    public static ulong GiganticBytes(string arch) => arch == "x86_64" ? 1UL << 30 : 32UL << 20;

    /// <summary>
    /// The gigantic page size of a step: its own size or the arch's default. Gigantic hstates (order &gt; MAX_ORDER - 1)
    /// registered by the 6.1 kernels: x86_64 PUD (1 GiB, with pdpe1gb); arm64 4 KiB PUD (1 GiB) and CONT_PMD (32 MiB)
    /// (arch/arm64/mm/hugetlbpage.c, hugetlbpage_init).
    /// </summary>
    public static ulong GiganticBytes(string arch, GiganticStep g) => g.Bytes != 0 ? g.Bytes : GiganticBytes(arch);

    /// <summary>The PMD huge page size (order 9) on both architectures.</summary>
    public const ulong HugepageBytes = 2UL << 20;

    public static void Check(OracleWorkload w, string arch)
    {
        OracleMachine m = w.Machine(arch);
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        ZoneLabInputException Bad(OracleStep s, string what) => new(w.Source, s.Line, $"{s.Kind} ({arch}): {what}");
        void Need(OracleStep s, string name, params string[] allowed)
        {
            if (!kinds.TryGetValue(name, out string? k) || Array.IndexOf(allowed, k) < 0)
            {
                throw Bad(s, $"'{name}' is not held by an earlier {string.Join(" or ", allowed)} step");
            }
        }
        void Hold(OracleStep s, string name)
        {
            if (kinds.ContainsKey(name))
            {
                throw Bad(s, $"'{name}' is still held by an earlier step: free it first or use another name");
            }
            kinds[name] = s.Kind;
        }
        foreach (OracleStep s in w.Steps)
        {
            switch (s)
            {
                case AnonStep a:
                    if (a.Bytes > m.MemBytes + m.SwapBytes)
                    {
                        throw Bad(s, $"{a.Bytes >> 20} MiB of anonymous memory is more than RAM + swap ({(m.MemBytes + m.SwapBytes) >> 20} MiB)");
                    }
                    Hold(s, a.Name);
                    break;
                case ThinStep t:
                    Need(s, t.Name, "anon");
                    break;
                case FreeStep f:
                    Need(s, f.Name, "anon", "file", "files", "pipes");
                    kinds.Remove(f.Name);
                    break;
                case FileStep f:
                    if (f.OnDisk && m.DiskBytes == 0)
                    {
                        throw Bad(s, "a file on the disk needs machine.disk");
                    }
                    if (f.OnDisk ? f.Bytes > m.DiskBytes * 9 / 10 : f.Bytes > m.MemBytes + m.SwapBytes)
                    {
                        throw Bad(s, f.OnDisk ? $"a {f.Bytes >> 20} MiB file does not fit on the {m.DiskBytes >> 20} MiB disk (machine.disk)" : $"a {f.Bytes >> 20} MiB tmpfs file is more than RAM + swap");
                    }
                    Hold(s, f.Name);
                    break;
                case ReadStep r:
                    Need(s, r.Name, "file");
                    break;
                case FilesStep f:
                    if (f.OnDisk && m.DiskBytes == 0)
                    {
                        throw Bad(s, "files on the disk need machine.disk");
                    }
                    Hold(s, f.Name);
                    break;
                case PipesStep p:
                    Hold(s, p.Name);
                    break;
                case HugepagesStep h:
                    if ((ulong)h.Count * HugepageBytes > m.MemBytes)
                    {
                        throw Bad(s, $"{h.Count} huge pages of 2 MiB are more than the guest's {m.MemBytes >> 20} MiB");
                    }
                    break;
                case GiganticStep g:
                    if (g.Bytes != 0 && g.Bytes != GiganticBytes(arch) && !(arch == "arm64" && g.Bytes == 1UL << 30))
                    {
                        throw Bad(s, $"size {g.Bytes >> 20} MiB is not a gigantic page size here (x86_64: 1G; arm64: 32M or 1G)");
                    }
                    if ((ulong)g.Count * GiganticBytes(arch, g) > m.MemBytes)
                    {
                        throw Bad(s, $"{g.Count} gigantic pages of {GiganticBytes(arch, g) >> 20} MiB are more than the guest's {m.MemBytes >> 20} MiB");
                    }
                    break;
                case OfflineStep o:
                    Hold(s, o.Name);
                    break;
                case OnlineStep o:
                    Need(s, o.Name, "offline");
                    kinds.Remove(o.Name);
                    break;
                case DropCachesStep or CompactMemoryStep or SleepStep:
                    break;
                default:
                    throw new InvalidOperationException($"step type {s.GetType().Name} has no check");
            }
        }
    }
}

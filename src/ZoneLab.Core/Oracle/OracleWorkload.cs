namespace ZoneLab.Oracle;

/// <summary>
/// A workload that runs the same way in a QEMU guest (through the static helper <c>zlguest</c>) and in the engine
/// (<see cref="OracleEngineRunner"/>): a machine per architecture and an ordered list of steps (docs/oracle.md).
/// </summary>
public sealed record OracleWorkload
{
    /// <summary>The workload's name (its file name without <c>.yaml</c>).</summary>
    public required string Name { get; init; }

    /// <summary>One sentence: what the workload exercises.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The architectures it runs on (x86_64, arm64).</summary>
    public required IReadOnlyList<string> Archs { get; init; }

    /// <summary>The guest machine per architecture (the common <c>machine</c> with the arch's overrides applied).</summary>
    public required IReadOnlyDictionary<string, OracleMachine> Machines { get; init; }

    /// <summary>The steps, in order.</summary>
    public required IReadOnlyList<OracleStep> Steps { get; init; }

    /// <summary>The file it was read from.</summary>
    public string Source { get; init; } = "workload.yaml";

    /// <summary>The machine for <paramref name="arch"/>; a workload that does not run there is bad input.</summary>
    public OracleMachine Machine(string arch) =>
        Machines.TryGetValue(arch, out OracleMachine? m) ? m : throw new ZoneLabInputException(Source, $"the workload does not run on {arch} (archs: {string.Join(", ", Archs)})");
}

/// <summary>The guest: RAM, NUMA nodes, an ext4 virtio disk, swap, extra kernel arguments.</summary>
/// <param name="MemBytes">Guest RAM.</param>
/// <param name="NumaBytes">Node sizes (empty: one node); they add up to <paramref name="MemBytes"/>.</param>
/// <param name="DiskBytes">Size of the ext4 virtio disk mounted on /mnt/disk (0: none).</param>
/// <param name="SwapBytes">Size of the swap virtio disk (0: none).</param>
/// <param name="Cmdline">Kernel arguments after <c>console=... panic=-1 nokaslr</c>.</param>
public sealed record OracleMachine(ulong MemBytes, IReadOnlyList<ulong> NumaBytes, ulong DiskBytes, ulong SwapBytes, string Cmdline)
{
    /// <summary>QEMU <c>-icount shift=N</c> (guest time = instructions × 2^N ns), or -1 for the host's real time.</summary>
    public int IcountShift { get; init; } = -1;
}

/// <summary>One step of a workload; <see cref="Line"/> is its line in the file.</summary>
public abstract record OracleStep(int Line)
{
    /// <summary>The step's kind as written in the file (<c>anon</c>, <c>hugepages</c>, ...).</summary>
    public string Kind => OracleStepKinds.NameOf(this);
}

/// <summary>mmap + touch <paramref name="Bytes"/> of anonymous memory; optionally mlock, MADV_HUGEPAGE, or MADV_NOHUGEPAGE (<paramref name="NoThp"/>).</summary>
public sealed record AnonStep(int Line, string Name, ulong Bytes, bool Mlock, bool Thp, bool NoThp = false) : OracleStep(Line);

/// <summary>MADV_DONTNEED every page of <paramref name="Name"/> except one in <paramref name="Keep"/> (fragments it).</summary>
public sealed record ThinStep(int Line, string Name, int Keep) : OracleStep(Line);

/// <summary>Release what <paramref name="Name"/> holds (munmap, close pipes, unlink files).</summary>
public sealed record FreeStep(int Line, string Name) : OracleStep(Line);

/// <summary>Write a file of <paramref name="Bytes"/> on the ext4 disk or tmpfs; clean (fsync) unless dirty.</summary>
public sealed record FileStep(int Line, string Name, ulong Bytes, bool OnDisk, bool Dirty) : OracleStep(Line);

/// <summary>Read <paramref name="Name"/>'s file again (pages reclaimed since come back).</summary>
public sealed record ReadStep(int Line, string Name) : OracleStep(Line);

/// <summary><paramref name="Count"/> empty files (inodes, dentries: slab) on the disk or tmpfs.</summary>
public sealed record FilesStep(int Line, string Name, long Count, bool OnDisk) : OracleStep(Line);

/// <summary><paramref name="Count"/> pipes with one page written into each.</summary>
public sealed record PipesStep(int Line, string Name, long Count) : OracleStep(Line);

/// <summary><c>echo MODE &gt; /proc/sys/vm/drop_caches</c>.</summary>
public sealed record DropCachesStep(int Line, int Mode) : OracleStep(Line);

/// <summary><c>echo 1 &gt; /proc/sys/vm/compact_memory</c>.</summary>
public sealed record CompactMemoryStep(int Line) : OracleStep(Line);

/// <summary>Set nr_hugepages of the PMD size (2 MiB, order 9) to <paramref name="Count"/>.</summary>
public sealed record HugepagesStep(int Line, long Count) : OracleStep(Line);

/// <summary>
/// Set nr_hugepages of the gigantic size (x86_64 1 GiB, arm64 32 MiB; orders 18 and 13) to <paramref name="Count"/>:
/// cma_alloc from the hugetlb_cma area when the kernel reserved one, alloc_contig_pages otherwise.
/// <paramref name="Bytes"/> names another gigantic hstate (arm64: 1 GiB, PUD); 0 is the arch's default.
/// </summary>
public sealed record GiganticStep(int Line, long Count, ulong Bytes = 0) : OracleStep(Line);

/// <summary>Offline the <paramref name="Block"/>-th online memory block of <paramref name="Zone"/> (negative: from the end).</summary>
public sealed record OfflineStep(int Line, string Name, string Zone, int Block) : OracleStep(Line);

/// <summary>Online the block that the offline step <paramref name="Name"/> took away.</summary>
public sealed record OnlineStep(int Line, string Name) : OracleStep(Line);

/// <summary>Sleep (kswapd and kcompactd run in the meantime).</summary>
public sealed record SleepStep(int Line, double Seconds) : OracleStep(Line);

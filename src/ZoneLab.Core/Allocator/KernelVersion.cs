namespace ZoneLab.Allocator;

/// <summary>
/// Kernel behaviour generations the engine can mirror. Only versions where a modelled rule changed are listed;
/// each rule that differs checks the version explicitly and names the commit in a comment.
/// </summary>
public enum KernelVersion
{
    /// <summary>v4.10 (ZONE_CMA era): no "prefer CMA", lowmem_reserve computed top-down, min_free_kbytes capped at 64 MiB.</summary>
    V4_10 = 410,

    /// <summary>v6.1 (Debian 12): prefer-CMA heuristic (v5.7), ZONE_MOVABLE counted as lowmem for watermarks.</summary>
    V6_1 = 601,

    /// <summary>
    /// v6.6 (v6.5 to v6.10): as 6.1, plus direct reclaim skipping MIGRATE_CMA folios for requests that cannot use
    /// CMA (skip_cma in isolate_lru_folios, 5da226dbfce3 in v6.5; reverted by bfe0857c20c6 after v6.10).
    /// </summary>
    V6_6 = 606,

    /// <summary>v6.12 (Debian 13): ZONE_MOVABLE min watermark capped like highmem, freelist migratetype hygiene (v6.10).</summary>
    V6_12 = 612,
}

/// <summary>Parsing and naming of <see cref="KernelVersion"/>.</summary>
public static class KernelVersions
{
    /// <summary>Parses "4.10", "6.1", "6.12" (a "v" prefix and a patch level such as "6.1.192" are accepted).</summary>
    public static KernelVersion Parse(string text)
    {
        string t = text.Trim().TrimStart('v', 'V');
        string[] parts = t.Split('.', '-');
        if (parts.Length < 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(parts[1], out int minor))
        {
            throw new FormatException($"not a kernel version: '{text}'");
        }

        int code = major * 100 + minor;
        // Pick the newest modelled generation not newer than the requested kernel.
        if (code >= 612)
        {
            return KernelVersion.V6_12;
        }

        if (code >= 605 && code <= 610)
        {
            return KernelVersion.V6_6;
        }

        if (code >= 601)
        {
            return KernelVersion.V6_1;
        }

        return KernelVersion.V4_10;
    }

    /// <summary>"4.10", "6.1", "6.6" or "6.12".</summary>
    public static string Name(KernelVersion v) => v switch
    {
        KernelVersion.V4_10 => "4.10",
        KernelVersion.V6_1 => "6.1",
        KernelVersion.V6_6 => "6.6",
        KernelVersion.V6_12 => "6.12",
        _ => throw new ArgumentOutOfRangeException(nameof(v)),
    };
}

namespace ZoneLab.Metrics;

/// <summary>One <c>echo offline &gt; /sys/devices/system/memory/memoryN/state</c> of a scenario's offline actor.</summary>
/// <param name="Actor">The actor's name.</param>
/// <param name="AtSeconds">Simulated time of the write.</param>
/// <param name="Block">Memory block number.</param>
/// <param name="Zone">The block's zone before the attempt (<c>Movable</c>), or <c>none</c>.</param>
/// <param name="Errno">0, or the negative errno the write returned (-16 EBUSY, -22 EINVAL, -4 EINTR, -1 EPERM).</param>
/// <param name="Reason">offline_pages()'s failure reason ("failure to isolate range"), or null.</param>
/// <param name="PagesMigrated">Pages migrated out of the block.</param>
/// <param name="Milliseconds">Time of the attempt from the contiguous-allocation cost model.</param>
public sealed record OfflineRecord(string Actor, double AtSeconds, long Block, string Zone, int Errno, string? Reason, long PagesMigrated, double Milliseconds);

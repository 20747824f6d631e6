using System.Globalization;
using ZoneLab.Allocator;
using ZoneLab.Hotplug;
using ZoneLab.Layout;

namespace ZoneLab.Oracle;

// Memory-block offline/online and sleep of the oracle workload language.
public sealed partial class OracleEngineRunner
{
    private MemoryHotplug Hotplug()
    {
        return _hotplug ??= HotplugMachine.Over(_m, _dm.Layout);
    }

    /// <summary>The same block the guest picks: the INDEX-th online block whose valid_zones starts with the zone.</summary>
    private int Offline(OfflineStep o, Dictionary<string, string> extra)
    {
        MemoryHotplug hp = Hotplug();
        var candidates = hp.Blocks.Where(b => b.State == BlockState.Online && hp.ValidZones(b.Index).Split(' ')[0] == o.Zone)
            .Select(b => b.Index).Order().ToList();
        int i = o.Block < 0 ? candidates.Count + o.Block : o.Block;
        Holding h = Hold(o.Name);
        if (i < 0 || i >= candidates.Count)
        {
            extra["candidates"] = candidates.Count.ToString(CultureInfo.InvariantCulture);
            return Enoent;
        }
        h.Block = (int)candidates[i];
        extra["block"] = h.Block.ToString(CultureInfo.InvariantCulture);
        HotplugResult r = hp.Offline(candidates[i]);
        return r.Errno < 0 ? -r.Errno : r.Errno;
    }

    private int Online(OnlineStep o, Dictionary<string, string> extra)
    {
        Holding h = Held(o.Name);
        _held.Remove(o.Name);
        extra["block"] = h.Block.ToString(CultureInfo.InvariantCulture);
        if (h.Block < 0)
        {
            return Enoent;
        }
        HotplugResult r = Hotplug().Online((ulong)h.Block, OnlineType.Online);
        return r.Errno < 0 ? -r.Errno : r.Errno;
    }

    /// <summary>Time passes: kcompactd's proactive compaction checks every 500 ms, writeback cleans down to the background threshold.</summary>
    private int Sleep(double seconds)
    {
        for (double t = 0; t < seconds; t += KcompactdPeriod)
        {
            _cpu.TaskSleeps(KcompactdPeriod * 1e9);
            for (int n = 0; n < _m.NodeCount; n++)
            {
                _reclaim.Compactor.ProactiveCompact(n);
            }
        }
        if (_wb != null)
        {
            _wb.Complete(_cpu.Now); // background writeback went on meanwhile
        }
        else
        {
            Throttle(DirtyBackgroundRatio);
        }
        return 0;
    }
}

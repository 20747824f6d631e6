using System.Text;
using System.Text.Json;
using ZoneLab.Allocator;
using ZoneLab.Contiguous;
using ZoneLab.Designs;

namespace ZoneLab.Workloads.Trace;

/// <summary>What a replay did, beside the trace's own summary.</summary>
public sealed record TraceReplayResult
{
    /// <summary>The design replayed on.</summary>
    public required string Design { get; init; }

    /// <summary>The trace as recorded (events, allocations, frees, fallbacks).</summary>
    public required TraceSummary Trace { get; init; }

    /// <summary>Successful traced allocations the model could not satisfy.</summary>
    public long FailedAllocations { get; init; }

    /// <summary>Frees that released a block the model had given the same allocation.</summary>
    public long ModelFrees { get; init; }

    /// <summary>
    /// Blocks freed because the trace allocated their head pfn again while the allocation was live (a free the
    /// trace does not show: lost events, or tracing was off in between).
    /// </summary>
    public long ModelImpliedFrees { get; init; }

    /// <summary>Successful traced cma_alloc calls replayed, and how many the model refused.</summary>
    public long CmaAllocations { get; init; }

    /// <summary>Replayed cma_alloc calls the model refused.</summary>
    public long CmaFailed { get; init; }

    /// <summary>
    /// cma_alloc calls per area name the trace used and the machine lacks (each went to the machine's first area, or
    /// failed when it has none), sorted by name.
    /// </summary>
    public IReadOnlyDictionary<string, long> MissingCmaAreas { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>mm_page_alloc_extfrag events in the trace.</summary>
    public long TraceFallbacks { get; init; }

    /// <summary>Fallbacks (steals from another migratetype's list) the model made.</summary>
    public long ModelFallbacks { get; init; }

    /// <summary>The JSON summary: <c>events_read</c>, <c>allocations</c>, <c>frees</c>, <c>skipped</c>, <c>failed_allocations</c>, then the comparison.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("events_read", Trace.EventsRead);
            w.WriteNumber("allocations", Trace.Allocations);
            w.WriteNumber("frees", Trace.Frees);
            w.WriteNumber("skipped", Trace.Skipped);
            w.WriteNumber("failed_allocations", FailedAllocations);
            w.WriteString("design", Design);
            w.WriteNumber("trace_failed_allocations", Trace.TraceFailedAllocations);
            w.WriteNumber("model_frees", ModelFrees);
            w.WriteNumber("frees_pre_existing", Trace.FreesPreExisting);
            w.WriteNumber("cma_allocations", CmaAllocations);
            w.WriteNumber("cma_failed", CmaFailed);
            w.WriteNumber("trace_fallbacks", TraceFallbacks);
            w.WriteNumber("model_fallbacks", ModelFallbacks);
            w.WriteNumber("model_frees_implied", ModelImpliedFrees);
            w.WriteStartObject("cma_missing_areas");
            foreach ((string name, long calls) in MissingCmaAreas)
            {
                w.WriteNumber(name, calls);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}

/// <summary>
/// Replays a trace's page allocations through a design (docs/trace.md, "Mapping to the engine's requests"): each
/// successful <c>mm_page_alloc</c> is <c>Machine.Allocate(order, gfp_flags)</c>; a free that ends an allocation frees
/// the block the model gave it (by the tracker's allocation id); frees of pages allocated before tracing have no
/// block; <c>cma_alloc_finish</c>/<c>cma_release</c> go through the design's area.
/// </summary>
public sealed class TraceReplayer
{
    private readonly DesignMachine _dm;
    private readonly Machine _m;
    private readonly TraceAllocationTracker _tracker = new();
    private readonly Dictionary<long, (ulong Pfn, int Order)> _blocks = [];
    private readonly Dictionary<long, (CmaAllocator Area, ulong Pfn, ulong Count)> _cma = [];
    private long _failed, _freed, _implied, _cmaAllocs, _cmaFailed;
    private readonly SortedDictionary<string, long> _missingAreas = new(StringComparer.Ordinal);

    /// <summary>Replays onto <paramref name="dm"/>.</summary>
    public TraceReplayer(DesignMachine dm)
    {
        _dm = dm;
        _m = dm.Machine;
    }

    /// <summary>
    /// Whether <see cref="Replay"/> reads the text on a second thread (<see cref="TraceEventPipe"/>) while this one
    /// replays; the results are the same either way. On by default when the machine has more than one core.
    /// </summary>
    public bool Pipelined { get; init; } = Environment.ProcessorCount > 1;

    /// <summary>Reads every event of <paramref name="reader"/> and replays it.</summary>
    public TraceReplayResult Replay(FtraceReader reader)
    {
        if (Pipelined)
        {
            using var pipe = new TraceEventPipe(reader);
            while (pipe.TryTake(out ReadOnlySpan<TraceEvent> batch))
            {
                foreach (ref readonly TraceEvent e in batch)
                {
                    Step(in e);
                }
            }
        }
        else
        {
            while (reader.Read())
            {
                Step(in reader.Current);
            }
        }

        return Result(reader.Stats);
    }

    private void Step(in TraceEvent e)
    {
        Machine m = _m;
        TraceObservation obs = _tracker.Observe(in e);
        switch (e.Kind)
        {
            case TraceEventKind.PageAlloc when !e.Failed && obs.AllocationId >= 0:
                if (obs.SupersededId >= 0 && _blocks.Remove(obs.SupersededId, out (ulong Pfn, int Order) old)
                    && m.IsAllocatedHead(old.Pfn, out int oldOrder) && oldOrder == old.Order)
                {
                    // The kernel freed that pfn untraced before handing it out again (free_pages_prepare()
                    // precedes every reuse): free the model's block of the superseded allocation too.
                    m.Free(old.Pfn, old.Order);
                    _implied++;
                }

                AllocResult r = m.Allocate(e.Order, e.GfpFlags);
                if (r.Success)
                {
                    _blocks[obs.AllocationId] = (r.Pfn, e.Order);
                }
                else
                {
                    _failed++;
                }

                break;
            case TraceEventKind.PageFree when obs.Ended && obs.AllocationId >= 0 && obs.Match != TraceFreeMatch.Cma:
                if (_blocks.Remove(obs.AllocationId, out (ulong Pfn, int Order) b) && m.IsAllocatedHead(b.Pfn, out int o) && o == b.Order)
                {
                    m.Free(b.Pfn, b.Order);
                    _freed++;
                }

                break;
            case TraceEventKind.CmaAllocFinish when !e.Failed:
                CmaAllocator? area = _dm.Area(e.CmaName);
                if (area == null)
                {
                    _missingAreas[e.CmaName ?? "(unnamed)"] = _missingAreas.GetValueOrDefault(e.CmaName ?? "(unnamed)") + 1;
                    area = _dm.Area();
                }
                _cmaAllocs++;
                CmaAllocResult c = area?.Allocate((ulong)e.Count, e.Align, noWarn: true) ?? default;
                if (area != null && c.Success)
                {
                    _cma[e.Pfn] = (area, c.Pfn, c.Count);
                }
                else
                {
                    _cmaFailed++;
                }

                break;
            case TraceEventKind.CmaRelease:
                if (_cma.Remove(e.Pfn, out (CmaAllocator Area, ulong Pfn, ulong Count) h))
                {
                    h.Area.Release(h.Pfn, h.Count);
                }

                break;
        }
    }

    private TraceReplayResult Result(TraceReadStats stats)
    {
        Machine m = _m;
        TraceSummary summary = _tracker.Summary(stats);
        long modelFallbacks = 0;
        foreach (MigrateType a in new[] { MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable })
        {
            foreach (MigrateType f in new[] { MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable, MigrateType.HighAtomic, MigrateType.Cma })
            {
                if (a != f)
                {
                    modelFallbacks += m.ExtfragEvents(a, f, false) + m.ExtfragEvents(a, f, true);
                }
            }
        }
        return new TraceReplayResult
        {
            Design = DesignNames.Name(_dm.Kind),
            Trace = summary,
            FailedAllocations = _failed,
            ModelFrees = _freed,
            ModelImpliedFrees = _implied,
            CmaAllocations = _cmaAllocs,
            CmaFailed = _cmaFailed,
            MissingCmaAreas = _missingAreas,
            TraceFallbacks = summary.Fallbacks.Sum(f => f.Events),
            ModelFallbacks = modelFallbacks,
        };
    }
}

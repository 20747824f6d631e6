using System.Text;
using System.Text.Json;
using ZoneLab.Allocator;

namespace ZoneLab.Workloads.Trace;

/// <summary>
/// A <see cref="TraceSummary"/> as JSON:
/// <c>{"events_read":N,"allocations":N,"frees":N,"skipped":N,"trace_failed_allocations":N,...,
/// "events":{"mm_page_alloc":N,...},"requests":[{"order","migratetype","gfp","allocations","failed"}],
/// "fallbacks":[{"alloc_migratetype","fallback_migratetype","events","claimed","fragmenting"}],"cma":[...]}</c>.
/// A replay adds its own fields (<c>failed_allocations</c>, ...) through the <c>extra</c> callback of
/// <see cref="Write(Utf8JsonWriter, TraceSummary, Action{Utf8JsonWriter}?)"/>.
/// </summary>
public static class TraceSummaryJsonWriter
{
    /// <summary>Serializes <paramref name="s"/> (indented when <paramref name="indented"/>).</summary>
    public static string Write(TraceSummary s, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented }))
        {
            Write(w, s);
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes the summary as one object; <paramref name="extra"/> may add fields before it closes.</summary>
    public static void Write(Utf8JsonWriter w, TraceSummary s, Action<Utf8JsonWriter>? extra = null)
    {
        w.WriteStartObject();
        w.WriteNumber("events_read", s.EventsRead);
        w.WriteNumber("allocations", s.Allocations);
        w.WriteNumber("frees", s.Frees);
        w.WriteNumber("skipped", s.Skipped);
        w.WriteNumber("trace_failed_allocations", s.TraceFailedAllocations);
        w.WriteNumber("lost_events", s.LostEvents);
        w.WriteNumber("pages_allocated", s.PagesAllocated);
        w.WriteNumber("pages_freed", s.PagesFreed);
        w.WriteStartObject("frees_by_match");
        w.WriteNumber("whole", s.FreesWhole);
        w.WriteNumber("part", s.FreesPart);
        w.WriteNumber("cma", s.FreesCma);
        w.WriteNumber("pre_existing", s.FreesPreExisting);
        w.WriteEndObject();
        w.WriteNumber("frees_larger_than_allocation", s.FreesLargerThanAllocation);
        w.WriteNumber("allocations_over_live", s.AllocationsOverLive);
        w.WriteNumber("live_allocations", s.LiveAllocations);
        w.WriteNumber("live_pages", s.LivePages);
        w.WriteNumber("zone_locked", s.ZoneLocked);
        w.WriteNumber("percpu_refills", s.PercpuRefills);
        w.WriteNumber("pcpu_drains", s.PcpuDrains);
        w.WriteNumber("frees_batched", s.FreesBatched);
        w.WriteStartObject("events");
        foreach ((string name, long n) in s.Events)
        {
            w.WriteNumber(name, n);
        }

        w.WriteEndObject();
        w.WriteStartObject("skipped_by_event");
        foreach ((string name, long n) in s.SkippedByEvent)
        {
            w.WriteNumber(name, n);
        }

        w.WriteEndObject();
        w.WriteStartArray("requests");
        foreach (TraceRequestCount r in s.Requests)
        {
            w.WriteStartObject();
            w.WriteNumber("order", r.Order);
            w.WriteString("migratetype", MigrateTypes.Name(r.MigrateType));
            w.WriteString("gfp", r.GfpClass);
            w.WriteNumber("allocations", r.Allocations);
            w.WriteNumber("failed", r.Failed);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("fallbacks");
        foreach (TraceFallbackCount f in s.Fallbacks)
        {
            w.WriteStartObject();
            w.WriteString("alloc_migratetype", MigrateTypes.Name(f.AllocMigrateType));
            w.WriteString("fallback_migratetype", MigrateTypes.Name(f.FallbackMigrateType));
            w.WriteNumber("events", f.Events);
            w.WriteNumber("claimed", f.Claimed);
            w.WriteNumber("fragmenting", f.Fragmenting);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("cma");
        foreach (TraceCmaArea a in s.Cma)
        {
            w.WriteStartObject();
            w.WriteString("name", a.Name);
            w.WriteNumber("requests", a.Requests);
            w.WriteNumber("succeeded", a.Succeeded);
            w.WriteNumber("failed", a.Failed);
            w.WriteNumber("busy_retries", a.BusyRetries);
            w.WriteNumber("pages_allocated", a.PagesAllocated);
            w.WriteNumber("releases", a.Releases);
            w.WriteNumber("pages_released", a.PagesReleased);
            w.WriteNumber("max_latency_ns", a.MaxLatencyNs);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        extra?.Invoke(w);
        w.WriteEndObject();
    }
}

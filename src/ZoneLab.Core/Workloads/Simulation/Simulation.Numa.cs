using ZoneLab.Workloads.Actors;

namespace ZoneLab.Workloads.Simulation;

internal sealed partial class Simulation
{
    // numa_node_id() of the actor's CPU: the preferred node of alloc_pages() under the default (local) mempolicy;
    // a node the machine does not have means the kernel was booted without it (UMA), where every CPU is on node 0.
    private int LocalNode(ScenarioActor a) => a.Node < _m.NodeCount ? a.Node : 0;
}

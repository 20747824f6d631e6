namespace ZoneLab.Workloads.Actors;

/// <summary>Where a simulation tick is: seconds into the phase at its start, its length, and the phase's end (absolute seconds).</summary>
internal readonly record struct ActorTick(double Local, double Dt, double PhaseEnd)
{
    /// <summary>Seconds into the phase at the tick's end.</summary>
    public double End => Local + Dt;
}

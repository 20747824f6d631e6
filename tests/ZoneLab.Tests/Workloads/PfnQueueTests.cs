using CsCheck;
using ZoneLab.Workloads.Simulation;

namespace ZoneLab.Tests.Workloads;

/// <summary>
/// <see cref="PfnQueue"/> (4096-entry chunks, an emptied chunk reused) against <see cref="Queue{T}"/>, the queue it
/// replaced: after any sequence of enqueues and dequeues long enough to cross several chunk boundaries, both dequeue
/// the same values and enumerate the same entries in the same order.
/// </summary>
public class PfnQueueTests
{
    // (how many to enqueue, how many to dequeue) per step: runs of up to 5000 cross a 4096-entry chunk
    private static readonly Gen<(int In, int Out)[]> s_steps = Gen.Select(Gen.Int[0, 5000], Gen.Int[0, 5000]).Array[1, 12];

    [Fact]
    public void AgreesWithAQueue()
    {
        s_steps.Sample(steps =>
        {
            var q = new PfnQueue();
            var expected = new Queue<ulong>();
            ulong next = 1;
            foreach ((int n, int m) in steps)
            {
                for (int i = 0; i < n; i++, next++)
                {
                    q.Enqueue(next);
                    expected.Enqueue(next);
                }
                for (int i = 0; i < m && expected.Count > 0; i++)
                {
                    Assert.Equal(expected.Dequeue(), q.Dequeue());
                }
                Assert.Equal(expected.Count, q.Count);
                var listed = new List<ulong>();
                foreach (ulong pfn in q)
                {
                    listed.Add(pfn);
                }
                Assert.Equal(expected.ToList(), listed);
            }
        }, iter: 40);
    }

    // GiveBack (the end of a run) empties a queue and hands its chunks to the shared pool; the same or another queue
    // filled afterwards from pooled chunks (holding stale pfns) must still agree with a fresh Queue<T>
    [Fact]
    public void AQueueGivenBackStartsOverAndPooledChunksCarryNoOldEntries()
    {
        s_steps.Sample(steps =>
        {
            var q = new PfnQueue();
            var other = new PfnQueue();
            var expected = new Queue<ulong>();
            var expectedOther = new Queue<ulong>();
            ulong next = 1;
            foreach ((int n, int m) in steps)
            {
                for (int i = 0; i < n; i++, next++)
                {
                    q.Enqueue(next);
                    expected.Enqueue(next);
                    other.Enqueue(next + 1_000_000);
                    expectedOther.Enqueue(next + 1_000_000);
                }
                for (int i = 0; i < m && expected.Count > 0; i++)
                {
                    Assert.Equal(expected.Dequeue(), q.Dequeue());
                }
                if (m % 3 == 0)
                {
                    q.GiveBack();
                    expected.Clear();
                    Assert.Equal(0, q.Count);
                    Assert.Empty(Entries(q));
                }
                Assert.Equal(expected.Count, q.Count);
                Assert.Equal(expected.ToList(), Entries(q));
                Assert.Equal(expectedOther.ToList(), Entries(other));
            }
        }, iter: 40);
    }

    private static List<ulong> Entries(PfnQueue q)
    {
        var listed = new List<ulong>();
        foreach (ulong pfn in q)
        {
            listed.Add(pfn);
        }
        return listed;
    }

    [Fact]
    public void DequeueOfAnEmptyQueueThrows()
    {
        var q = new PfnQueue();
        q.Enqueue(5);
        Assert.Equal(5UL, q.Dequeue());
        Assert.Throws<InvalidOperationException>(() => q.Dequeue());
    }
}

using System.Buffers.Binary;
using ZoneLab.Layout.DeviceTree;

namespace ZoneLab.Tests.DeviceTree;

/// <summary>
/// Malformed blobs: each defect gives a <see cref="ZoneLabInputException"/> naming the file, the byte offset and
/// what was expected; every truncation and bit flip of real blobs gives either that or a valid tree.
/// </summary>
public class FdtMalformedTests
{
    private static FdtBuilder Minimal() => new FdtBuilder()
        .Begin(string.Empty).Prop("#address-cells", 2).Prop("#size-cells", 2)
        .Begin("memory@40000000").PropString("device_type", "memory").Prop("reg", 0, 0x40000000, 0, 0x80000000).End()
        .End();

    private static ZoneLabInputException Fails(byte[] blob)
    {
        ZoneLabInputException e = Assert.Throws<ZoneLabInputException>(() => FlattenedDeviceTree.Parse(blob, "board.dtb"));
        Assert.Equal("board.dtb", e.Source);
        Assert.NotNull(e.ByteOffset);
        Assert.StartsWith($"board.dtb: at byte offset {e.ByteOffset} (0x{e.ByteOffset:x}): ", e.Message);
        return e;
    }

    [Fact]
    public void TheMinimalBlobIsValid()
    {
        BootDeviceTree dt = BootDeviceTree.From(FlattenedDeviceTree.Parse(Minimal().Build(), "board.dtb"));
        Assert.Equal(new DtMemoryRange(0x40000000, 0x80000000, null, false, "/memory@40000000"), Assert.Single(dt.Memory));
    }

    [Fact]
    public void TruncatedHeader()
    {
        ZoneLabInputException e = Fails(Minimal().Build()[..20]);
        Assert.Contains("truncated header", e.Detail);
    }

    [Fact]
    public void BadMagic()
    {
        byte[] b = Minimal().Build();
        b[0] = 0x12;
        ZoneLabInputException e = Fails(b);
        Assert.Equal(0, e.ByteOffset);
        Assert.Contains("bad magic 0x120dfeed", e.Detail);
    }

    [Fact]
    public void TotalSizeBeyondTheFile()
    {
        byte[] b = Minimal().Build();
        ZoneLabInputException e = Fails(b[..^4]);
        Assert.Contains($"totalsize is {b.Length} bytes, the file has {b.Length - 4}", e.Detail);
    }

    [Fact]
    public void BadToken()
    {
        FdtBuilder f = Minimal();
        byte[] b = f.Build();
        // the first token after the root's name (4-byte aligned empty name) is the #address-cells FDT_PROP
        int at = f.StructOffset + 8;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), 7);
        ZoneLabInputException e = Fails(b);
        Assert.Equal(at, e.ByteOffset);
        Assert.Contains("bad token 0x00000007", e.Detail);
    }

    [Fact]
    public void StringOffsetOutOfRange()
    {
        FdtBuilder f = Minimal();
        byte[] b = f.Build();
        int nameoffAt = f.StructOffset + 8 + 8; // FDT_PROP, len, nameoff
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(nameoffAt), 0x10000);
        ZoneLabInputException e = Fails(b);
        Assert.Equal(nameoffAt, e.ByteOffset);
        Assert.Contains("property name offset 65536 is out of range", e.Detail);
    }

    [Fact]
    public void UnclosedNode()
    {
        byte[] b = new FdtBuilder().Begin(string.Empty).Begin("a").End().Build();
        ZoneLabInputException e = Fails(b);
        Assert.Contains("FDT_END while node / is still open", e.Detail);
    }

    [Fact]
    public void PropertyValueRunsPastTheStructureBlock()
    {
        FdtBuilder f = Minimal();
        byte[] b = f.Build();
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(f.StructOffset + 8 + 4), 0x7fffffff);
        Assert.Contains("runs past the end of the structure block", Fails(b).Detail);
    }

    [Fact]
    public void PropertyAfterASubnode()
    {
        byte[] b = new FdtBuilder().Begin(string.Empty).Begin("a").End().Prop("late", 1).End().Build();
        Assert.Contains("property 'late' of / follows a subnode", Fails(b).Detail);
    }

    [Fact]
    public void TooDeep()
    {
        var f = new FdtBuilder().Begin(string.Empty);
        for (int i = 0; i < 70; i++)
        {
            f.Begin("n" + i);
        }
        for (int i = 0; i < 71; i++)
        {
            f.End();
        }
        Assert.Contains("deeper than 64", Fails(f.Build()).Detail);
    }

    [Fact]
    public void ReserveMapWithoutTerminator()
    {
        byte[] b = Minimal().Build();
        // point off_mem_rsvmap at the strings block's last 8 bytes: no 16-byte zero entry fits
        uint total = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), (total - 8) & ~7u);
        Assert.Contains("no terminating zero entry", Fails(b).Detail);
    }

    [Fact]
    public void ReserveEntriesAreRead()
    {
        FlattenedDeviceTree t = FlattenedDeviceTree.Parse(Minimal().Reserve(0x1000, 0x2000).Reserve(0x80000000, 0x100000).Build(), "x.dtb");
        Assert.Equal(new[] { new FdtReserveEntry(0x1000, 0x2000), new FdtReserveEntry(0x80000000, 0x100000) }, t.MemoryReservations);
    }

    [Fact]
    public void MalformedReservedMemoryPropertiesKeepTheKernelsMessages()
    {
        byte[] b = new FdtBuilder()
            .Begin(string.Empty).Prop("#address-cells", 2).Prop("#size-cells", 2)
            .Begin("reserved-memory").Prop("#address-cells", 2).Prop("#size-cells", 2).Prop("ranges")
            .Begin("bad").PropString("compatible", "shared-dma-pool").Prop("reg", 0, 0x1000, 0).Prop("size", 0x100000).Prop("alloc-ranges", 1, 2, 3).End()
            .End()
            .End().Build();
        ReservedMemoryNode n = Assert.Single(BootDeviceTree.From(FlattenedDeviceTree.Parse(b, "x.dtb")).ReservedMemory);
        Assert.Equal("Reserved memory: invalid reg property in 'bad', skipping node.", n.RegError);
        Assert.Equal("invalid size property in 'bad' node.", n.SizeError);
        Assert.Equal("invalid alloc-ranges property in 'bad', skipping node.", n.AllocRangesError);
        Assert.Null(n.Reg);
        Assert.Null(n.Size);
    }

    [Fact]
    public void ReservedMemoryWithOtherCellsIsUnsupported()
    {
        byte[] b = new FdtBuilder()
            .Begin(string.Empty).Prop("#address-cells", 2).Prop("#size-cells", 2)
            .Begin("reserved-memory").Prop("#address-cells", 1).Prop("#size-cells", 1).Prop("ranges").End()
            .End().Build();
        Assert.False(BootDeviceTree.From(FlattenedDeviceTree.Parse(b, "x.dtb")).ReservedMemoryRootValid);
    }

    public static TheoryData<string> RealBlobs() => new() { "qemu-virt-2g-e2-pools.dtb", "bcm2711-rpi-4-b.dtb" };

    [Theory]
    [MemberData(nameof(RealBlobs))]
    public void EveryTruncationFailsCleanly(string file)
    {
        byte[] blob = File.ReadAllBytes(DeviceTreeReaderTests.Dtb(file));
        for (int len = 0; len < blob.Length; len++)
        {
            AssertCleanOutcome(blob[..len], $"{file} truncated to {len}");
        }
    }

    [Theory]
    [MemberData(nameof(RealBlobs))]
    public void EveryBitFlipFailsCleanlyOrParses(string file)
    {
        byte[] blob = File.ReadAllBytes(DeviceTreeReaderTests.Dtb(file));
        var rng = new Random(4242);
        // every bit of the header, the reserve map and the start of the structure block, then one random bit per byte
        for (int i = 0; i < blob.Length; i++)
        {
            int bits = i < 256 ? 8 : 1;
            for (int k = 0; k < bits; k++)
            {
                int bit = bits == 8 ? k : rng.Next(8);
                byte[] b = (byte[])blob.Clone();
                b[i] ^= (byte)(1 << bit);
                AssertCleanOutcome(b, $"{file} bit {bit} of byte {i}");
            }
        }
    }

    [Fact]
    public void RandomGarbageFailsCleanly()
    {
        var rng = new Random(7);
        byte[] valid = Minimal().Build();
        for (int n = 0; n < 5000; n++)
        {
            byte[] b = (byte[])valid.Clone();
            int edits = rng.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                b[rng.Next(b.Length)] = (byte)rng.Next(256);
            }
            AssertCleanOutcome(b, $"random case {n}");
        }
    }

    private static void AssertCleanOutcome(byte[] blob, string what)
    {
        try
        {
            FlattenedDeviceTree t = FlattenedDeviceTree.Parse(blob, "fuzz.dtb");
            BootDeviceTree dt = BootDeviceTree.From(t);
            _ = dt.Memory.Count + dt.ReservedMemory.Count;
        }
        catch (ZoneLabInputException e)
        {
            Assert.True(e.ByteOffset is >= 0, $"{what}: no byte offset in '{e.Message}'");
            Assert.True(e.ByteOffset <= blob.Length, $"{what}: offset {e.ByteOffset} past the blob");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
        }
    }
}

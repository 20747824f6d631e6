using System.Runtime.InteropServices;

namespace ZoneLab.Allocator;

/// <summary>
/// Zeroed unmanaged memory for the per-pfn arrays. On Linux it is an anonymous mapping advised for transparent huge
/// pages (<c>MADV_HUGEPAGE</c>): a 1 TiB model touches its free-list links sparsely at boot, and with 4 KiB pages
/// every touch is a page fault; elsewhere it comes from <see cref="NativeMemory.AllocZeroed(nuint)"/>.
/// </summary>
internal sealed unsafe partial class NativeBuffer : IDisposable
{
    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2, MapAnonymous = 0x20, MadvHugepage = 14;
    private readonly bool _mapped;
    private void* _ptr;

    public NativeBuffer(long bytes)
    {
        Bytes = Math.Max(bytes, 1);
        if (OperatingSystem.IsLinux())
        {
            if (NativeBufferPool.TryTake(Bytes, out void* reused))
            {
                // a mapping of the same size a disposed machine gave back: zeroed here, its pages already resident
                NativeMemory.Clear(reused, (nuint)Bytes);
                _ptr = reused;
                _mapped = true;
                return;
            }

            try
            {
                void* p = Mmap(null, (nuint)Bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
                if ((nint)p != -1)
                {
                    _ = Madvise(p, (nuint)Bytes, MadvHugepage);
                    _ptr = p;
                    _mapped = true;
                    return;
                }
            }
            catch (DllNotFoundException)
            {
            }
            catch (EntryPointNotFoundException)
            {
            }
        }

        _ptr = NativeMemory.AllocZeroed((nuint)Bytes);
    }

    ~NativeBuffer() => Free();

    /// <summary>Size in bytes.</summary>
    public long Bytes { get; }

    /// <summary>Start of the memory.</summary>
    public void* Pointer => _ptr;

    public void Dispose()
    {
        if (_ptr != null && _mapped && NativeBufferPool.TryGive(_ptr, Bytes))
        {
            _ptr = null;
        }

        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_ptr == null)
        {
            return;
        }

        if (_mapped)
        {
            _ = Munmap(_ptr, (nuint)Bytes);
        }
        else
        {
            NativeMemory.Free(_ptr);
        }

        _ptr = null;
    }

    /// <summary>Unmaps a mapping made here (the pool's evicted ones).</summary>
    internal static void Unmap(void* ptr, long bytes) => _ = Munmap(ptr, (nuint)bytes);

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* addr, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* addr, nuint length);
}

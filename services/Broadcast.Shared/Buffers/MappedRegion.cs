using System.Buffers;
using System.Runtime.InteropServices;

namespace Broadcast.Shared.Buffers;

/// <summary>
/// Anonymous memory from <c>mmap</c>, returned to the kernel by <c>munmap</c> the moment it is released: a freed
/// ring leaves no committed heap behind, whatever the GC or glibc's malloc would have kept (research/dotnet.md §2.4).
/// Pages become resident only when first written. Linux only; <see cref="IsSupported"/> says whether to use it.
/// </summary>
/// <remarks>
/// A <see cref="SafeHandle"/>: readers take a reference for each access (<see cref="SafeHandle.DangerousAddRef"/>),
/// so disposing while a read is under way unmaps after that read, and a read after disposal throws instead of
/// touching unmapped memory. A region never disposed is unmapped by the finalizer.
/// </remarks>
public sealed partial class MappedRegion : SafeHandle
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    private static long s_mappedBytes;

    private RegionMemory? _memory;

    private MappedRegion(nint address, int length)
        : base(0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>Anonymous private mappings with these flag values: Linux on x64 and arm64.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Bytes currently mapped by all regions of this process (address space, not necessarily resident).</summary>
    public static long MappedBytes => Interlocked.Read(ref s_mappedBytes);

    public int Length { get; }

    public override bool IsInvalid => handle == 0;

    public static MappedRegion Map(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("mapped rings need Linux; use managed rings elsewhere");
        }

        var address = Mmap(0, (nuint)length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == -1)
        {
            throw new InsufficientMemoryException($"mmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        }

        Interlocked.Add(ref s_mappedBytes, length);
        return new MappedRegion(address, length);
    }

    /// <summary>The region's bytes; valid only while a reference is held (see remarks).</summary>
    public unsafe Span<byte> UnsafeSpan => new((void*)handle, Length);

    /// <summary>
    /// The region as <see cref="Memory{T}"/>, for asynchronous socket sends straight from it; valid only while a
    /// reference is held for the whole send (see remarks). One manager per region, made at the first call.
    /// </summary>
    public Memory<byte> UnsafeMemory => (_memory ??= new RegionMemory(this)).Memory;

    protected override bool ReleaseHandle()
    {
        Interlocked.Add(ref s_mappedBytes, -Length);
        return Munmap(handle, (nuint)Length) == 0;
    }

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);

    /// <summary>The region's bytes as a <see cref="MemoryManager{T}"/>; pinning is a no-op, the memory never moves.</summary>
    private sealed class RegionMemory(MappedRegion region) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => region.UnsafeSpan;

        public override unsafe MemoryHandle Pin(int elementIndex = 0) => new((byte*)region.handle + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}

namespace ZoneLab.Layout;

/// <summary>The kernel error numbers the boot-time CMA code returns (include/uapi/asm-generic/errno-base.h).</summary>
public static class Errno
{
    /// <summary>ENOENT.</summary>
    public const int ENOENT = 2;

    /// <summary>ENOMEM.</summary>
    public const int ENOMEM = 12;

    /// <summary>EBUSY.</summary>
    public const int EBUSY = 16;

    /// <summary>EINVAL.</summary>
    public const int EINVAL = 22;

    /// <summary>ENOSPC.</summary>
    public const int ENOSPC = 28;
}

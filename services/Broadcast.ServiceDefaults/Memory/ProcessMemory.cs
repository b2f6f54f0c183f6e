namespace Broadcast.ServiceDefaults.Memory;

/// <summary>The process's own memory figures, as the kernel sees them.</summary>
public static class ProcessMemory
{
    /// <summary>Aggressive collections the memory governor has run in this process.</summary>
    public static long GovernorCollections => MemoryGovernor.CollectionCount;

    /// <summary>Resident set size from <c>/proc/self/statm</c>; the working set elsewhere.</summary>
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }

        return Environment.WorkingSet;
    }
}

namespace Broadcast.Ingest.Leases;

/// <summary>The outcome of asking for a mount's lease: the lease, or who holds the mount (its token and ingest).</summary>
internal sealed record LeaseAttempt(SourceLease? Lease, string Holder, string HolderIngest);

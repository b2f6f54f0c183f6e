#!/usr/bin/env python3
"""Where a .nettrace's CPU samples went: the top frames by self and by inclusive time, over all threads.

Usage: deploy/local/trace-top.py TRACE.nettrace [rows=30]
Converts with `dotnet-trace convert --format Speedscope` (once, next to the trace) and sums the evented profiles.
Stacks parked in a known wait (thread pool semaphore, epoll loop, timers) are left out.
"""
import json, os, subprocess, sys
from collections import defaultdict

trace = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 30
base = trace.rsplit(".", 1)[0]
scope = base + ".speedscope.json"
if not os.path.exists(scope):
    tool = os.path.expanduser("~/.dotnet/tools/dotnet-trace")
    subprocess.run([tool if os.path.exists(tool) else "dotnet-trace", "convert", "--format", "Speedscope", "-o", base, trace],
                   check=True, stdout=subprocess.DEVNULL)

doc = json.load(open(scope))
names = [f["name"] for f in doc["shared"]["frames"]]
# Thread-time sampling ends each stack in a pseudo-frame: CPU_TIME (running managed code) or UNMANAGED_CODE_TIME
# (native code: a syscall such as send, or a wait). The frame beneath it is where the time was spent.
CPU, NATIVE = "CPU_TIME", "UNMANAGED_CODE_TIME"
WAITS = ("LowLevelLifoSemaphore", "WaitHandle", "Monitor.Wait", "ManualResetEventSlim.Wait", "Thread.Sleep", "SocketAsyncEngine.EventLoop",
         "TimerQueue.TimerThread", "FileSystemWatcher", "ProcessLogQueue", "GateThread", "Task.InternalWait", "Heartbeat.TimerLoop")
kinds = {CPU: defaultdict(float), NATIVE: defaultdict(float)}
inclusive = defaultdict(float)
totals = defaultdict(float)
for profile in doc["profiles"]:
    stack, last = [], None
    for event in profile.get("events", []):
        at = event["at"]
        if last is not None and len(stack) >= 2 and at > last:
            leaf = names[stack[-1]]
            if leaf in kinds and not any(w in names[f] for f in stack for w in WAITS):
                span = at - last
                kinds[leaf][stack[-2]] += span
                totals[leaf] += span
                for frame in set(stack[:-1]):
                    inclusive[frame] += span
        last = at
        if event["type"] == "O":
            stack.append(event["frame"])
        elif stack:
            stack.pop()

busy = totals[CPU] + totals[NATIVE]
print(f"sampled not waiting: {busy:.0f} ms (managed {totals[CPU]:.0f} ms, native {totals[NATIVE]:.0f} ms)")
for leaf, title in ((CPU, "managed, by frame"), (NATIVE, "native calls, by calling frame")):
    print(f"\n{'ms':>8} {'%':>6}  {title}")
    for frame, spent in sorted(kinds[leaf].items(), key=lambda kv: -kv[1])[:rows]:
        print(f"{spent:8.0f} {100 * spent / busy:5.1f}%  {names[frame][:160]}")
print(f"\n{'ms':>8} {'%':>6}  inclusive")
for frame, spent in sorted(inclusive.items(), key=lambda kv: -kv[1])[:rows]:
    print(f"{spent:8.0f} {100 * spent / busy:5.1f}%  {names[frame][:160]}")

#!/usr/bin/env bash
# The live-path benchmark (issue #4): N listeners through the gateway on one station for DURATION seconds, then 60 s
# of quiet, then CYCLES join/leave cycles. Reports TTFB, delivered rate, CPU seconds per 1000 listeners per minute,
# the GC's collections, pauses and allocations on edge and gateway during the main swarm (from /healthz/memory),
# and RSS of every process at idle, peak, 60 s after leaving and after each cycle. Not a test: run it on a quiet
# machine.  Usage: deploy/local/bench-live.sh [listeners=2000] [duration=60] [cycles=5]
# Servers are pinned to CPU 0 and the swarm and source to CPU 1 when the machine has two or more CPUs.
# BENCH_ENV="Memory__GovernorEnabled=false Edge__MappedRings=false" passes settings to every service (A/B runs).
# BENCH_TRACE=1 records 15 s thread-time sampling traces of the edge and the gateway while the main swarm is held
# (dotnet-trace, installed as a dotnet tool when missing); read them with deploy/local/trace-top.py.
# BENCH_GCDUMP=1 writes the live heap by type of the edge and the gateway halfway through the hold (dotnet-gcdump;
# <out>/Edge-gcdump.txt and Gateway-gcdump.txt, the directory printed at the end).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
listeners=${1:-2000}; duration=${2:-60}; cycles=${3:-5}
ramp=10; quiet=60; cycle_hold=20; cycle_rest=45
command -v nats-server >/dev/null || { echo "bench-live.sh: nats-server missing; run deploy/local/up.sh or test.sh once" >&2; exit 1; }

dotnet build Broadcast.sln -c Release -nologo -v quiet >/dev/null
out=$(mktemp -d /tmp/broadcast-bench.XXXX)
server_cpu=""; client_cpu=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then server_cpu="taskset -c 0"; client_cpu="taskset -c 1"; fi
ulimit -n 65536 2>/dev/null || true
pids=(); names=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nats=$(port); ingest=$(port); edge=$(port); gateway=$(port)
start() { # name log command...
  local name=$1 log=$2; shift 2
  $server_cpu "$@" >"$out/$log" 2>&1 &
  pids+=($!); names+=("$name")
}
service() { # name port env...
  local name=$1 p=$2; shift 2
  # shellcheck disable=SC2086
  start "${name#Broadcast.}" "$name.log" env "$@" ${BENCH_ENV:-} ASPNETCORE_URLS="http://127.0.0.1:$p" Logging__LogLevel__Default=Warning \
    dotnet "services/$name/bin/Release/net10.0/$name.dll"
}
start nats nats.log nats-server -a 127.0.0.1 -p "$nats"
service Broadcast.Ingest "$ingest" Nats__Url="nats://127.0.0.1:$nats" Ingest__SourcePassword=hackme
service Broadcast.Edge "$edge" Nats__Url="nats://127.0.0.1:$nats"
service Broadcast.Gateway "$gateway" Gateway__Edges__0="http://127.0.0.1:$edge"
for p in "$ingest" "$edge" "$gateway"; do
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$p/healthz/ready" >/dev/null && break; sleep 0.2; done
done
loadtest="dotnet tests/Broadcast.LoadTest/bin/Release/net10.0/Broadcast.LoadTest.dll"
total=$(( ramp + duration + quiet + 30 + cycles * (ramp + cycle_hold + cycle_rest + 5) + 60 ))
$client_cpu $loadtest source --url "http://127.0.0.1:$ingest/bench.mp3" --file tests/Broadcast.LoadTest/bin/Release/net10.0/Fixtures/cbr128.mp3 \
  --loop 1 --duration "$total" >"$out/source.log" 2>&1 &
pids+=($!)

rss() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
snapshot() { local line=""; for i in 0 1 2 3; do line+="$(rss "${pids[$i]}") "; done; echo "$line"; }
cpu_total() { local s=0; for i in 0 1 2 3; do s=$(( s + $(cpu "${pids[$i]}") )); done; echo "$s"; }
cpu_of() { cpu "${pids[$1]}"; }
ticks=$(getconf CLK_TCK)
declare -A peak
sample_peak() {
  for i in 0 1 2 3; do
    local r; r=$(rss "${pids[$i]}")
    if awk -v a="$r" -v b="${peak[$i]:-0}" 'BEGIN{exit !(a>b)}'; then peak[$i]=$r; fi
  done
}
swarm() { # listeners hold json
  $client_cpu $loadtest swarm --url "http://127.0.0.1:$gateway/bench.mp3" --listeners "$1" --ramp "$ramp" --duration "$2" --json "$3" --label "$1 listeners" &
  local swarm_pid=$!
  while kill -0 "$swarm_pid" 2>/dev/null; do sample_peak; sleep 1; done
  wait "$swarm_pid" || true
}

# Until the edge holds the station and the warm-up listener has come and gone (JIT, pools), it is not idle.
for _ in $(seq 1 100); do curl -fsI "http://127.0.0.1:$gateway/bench.mp3" >/dev/null && break; sleep 0.2; done
$client_cpu $loadtest swarm --url "http://127.0.0.1:$gateway/bench.mp3" --listeners 50 --ramp 1 --duration 5 >/dev/null
sleep 30
idle=$(snapshot); c0=$(cpu_total); e0=$(cpu_of 2); g0=$(cpu_of 3); sleep 10
idle_rate=$(( $(cpu_total) - c0 )) # ticks per 10 s with only the source running

if [ -n "${BENCH_TRACE:-}" ]; then
  trace=$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")
  [ -x "$trace" ] || dotnet tool install -g dotnet-trace >/dev/null
  ( sleep $(( ramp + 5 ))
    for i in 2 3; do
      $client_cpu "$trace" collect -p "${pids[$i]}" --profile dotnet-sampled-thread-time --duration 00:00:00:15 -o "$out/${names[$i]}.nettrace" >/dev/null 2>&1 &
    done
    wait ) &
fi
if [ -n "${BENCH_GCDUMP:-}" ]; then
  # Live heap by type of edge and gateway while the swarm is held (a full GC each: the run's figures are disturbed).
  gcdump=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
  [ -x "$gcdump" ] || dotnet tool install -g dotnet-gcdump >/dev/null
  ( sleep $(( ramp + duration / 2 ))
    for i in 2 3; do
      $client_cpu "$gcdump" collect -p "${pids[$i]}" -o "$out/${names[$i]}.gcdump" >/dev/null 2>&1 \
        && "$gcdump" report "$out/${names[$i]}.gcdump" 2>/dev/null | head -40 >"$out/${names[$i]}-gcdump.txt"
    done ) &
fi
memory() { curl -fs "http://127.0.0.1:$1/healthz/memory" || echo '{}'; }
memory "$edge" >"$out/edge-memory-0.json"; memory "$gateway" >"$out/gateway-memory-0.json"
c0=$(cpu_total); e0=$(cpu_of 2); g0=$(cpu_of 3); t0=$(date +%s.%N)
swarm "$listeners" "$duration" "$out/main.json"
c1=$(cpu_total); e1=$(cpu_of 2); g1=$(cpu_of 3); t1=$(date +%s.%N)
memory "$edge" >"$out/edge-memory-1.json"; memory "$gateway" >"$out/gateway-memory-1.json"
peak_line=""; for i in 0 1 2 3; do peak_line+="${peak[$i]} "; done
after=(); for s in 10 20 30 40 50 60; do sleep 10; after+=("$(snapshot)"); done

cycle_lines=()
for c in $(seq 1 "$cycles"); do
  swarm "$listeners" "$cycle_hold" "$out/cycle$c.json"
  sleep "$cycle_rest"
  cycle_lines+=("$(snapshot)")
done

python3 - "$out" "$listeners" "$duration" "$ramp" "$ticks" "$idle_rate" "$c0" "$c1" "$e0" "$e1" "$g0" "$g1" "$t0" "$t1" \
  "$idle" "$peak_line" "${after[@]}" -- "${cycle_lines[@]}" <<'PY'
import json, sys
a = sys.argv[1:]
out, n, duration, ramp, ticks, idle_rate, c0, c1, e0, e1, g0, g1, t0, t1 = a[:14]
n, duration, ramp, ticks, idle_rate = int(n), float(duration), float(ramp), int(ticks), int(idle_rate)
idle, peak = a[14].split(), a[15].split()
rest = a[16:]; sep = rest.index('--'); after, cycles = [l.split() for l in rest[:sep]], [l.split() for l in rest[sep + 1:]]
wall = float(t1) - float(t0)
listener_minutes = n / 1000 * ((duration + ramp / 2) / 60)  # thousands of listener-minutes, the ramp counted at half
def per(ticks_used): return ticks_used / ticks / listener_minutes
m = json.load(open(f"{out}/main.json"))
names = ["nats", "ingest", "edge", "gateway"]
print(f"## Live path: {n} listeners through the gateway, {duration:.0f} s held (+{ramp:.0f} s ramp)\n")
print(f"- TTFB p50 {m['ttfbP50Ms']:.1f} ms, p90 {m['ttfbP90Ms']:.1f} ms, p99 {m['ttfbP99Ms']:.1f} ms, max {m['ttfbMaxMs']:.1f} ms")
print(f"- delivered vs {m['bitrateKbps']} kbit/s: median {m['deliveredMedianPercent']:.2f} %, min {m['deliveredMinPercent']:.2f} %, "
      f"{m['listenersAtOrAbove99Percent']}/{n} listeners at >= 99 %; failures {m['failures']} {m['failureReasons'] or ''}")
idle_per_s = idle_rate / 10
used = int(c1) - int(c0) - idle_per_s * wall
print(f"- CPU s per 1000 listeners per minute (all four processes, idle source cost subtracted): {per(used):.2f}; "
      f"edge {per(int(e1) - int(e0)):.2f}, gateway {per(int(g1) - int(g0)):.2f}  (wall {wall:.0f} s)")
cyc = [json.load(open(f"{out}/cycle{i+1}.json")) for i in range(len(cycles))]
print(f"- cycles: failures {[c['failures'] for c in cyc]}, at >= 99 %: {[c['listenersAtOrAbove99Percent'] for c in cyc]}")
for name in ("edge", "gateway"):  # what the GC did during the main swarm (/healthz/memory before and after)
    m0, m1 = (json.load(open(f"{out}/{name}-memory-{i}.json")) for i in (0, 1))
    if "gcPauseMilliseconds" in m0 and "gcPauseMilliseconds" in m1:
        d = lambda key: m1[key] - m0[key]
        print(f"- {name} GC during the main swarm: gen0/gen1/gen2 collections {d('gen0Collections')}/{d('gen1Collections')}/{d('gen2Collections')}, "
              f"pauses {d('gcPauseMilliseconds'):.0f} ms in all, {d('allocatedBytes') / 1e6:.0f} MB allocated")
print()
cols = [f"+{10*(i+1)} s" for i in range(len(after))] + [f"cycle {i+1}" for i in range(len(cycles))]
head = "| RSS MiB | idle | peak | " + " | ".join(cols) + " |"
print(head); print("|" + "---|" * (head.count("|") - 1))
for i, name in enumerate(names):
    print(f"| {name} | {idle[i]} | {peak[i]} | " + " | ".join(r[i] for r in after + cycles) + " |")
PY
echo; echo "logs and swarm reports: $out"

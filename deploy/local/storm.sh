#!/usr/bin/env bash
# The reconnect storm (issue #16), a benchmark, not a test: STEADY listeners play through the gateway while STORM more
# arrive at once (every player of a station retrying together after an outage). Reports the storm's time to first byte
# and failures, the steady listeners' delivered rate and failures (goal: undisturbed), and the CPU seconds and peak RSS
# of every process during the storm. Usage: deploy/local/storm.sh [storm=5000] [steady=1000]
# BENCH_ENV="Gateway__AdmitPerSecond=0" passes settings to every service (A/B: no pacing).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
storm=${1:-5000}; steady=${2:-1000}
command -v nats-server >/dev/null || { echo "storm.sh: nats-server missing; run deploy/local/test.sh once" >&2; exit 1; }
dotnet build Broadcast.sln -c Release -nologo -v quiet >/dev/null
out=$(mktemp -d /tmp/broadcast-storm.XXXX)
ulimit -n 20000 2>/dev/null || true
pids=(); names=()
stop() { kill "${pids[@]}" $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nats=$(port); ingest=$(port); edge=$(port); gateway=$(port)
run() { local name=$1; shift; "$@" >"$out/$name.log" 2>&1 & pids+=($!); names+=("$name"); }
service() { local name=$1 p=$2; shift 2
  # shellcheck disable=SC2086
  run "$name" env "$@" ${BENCH_ENV:-} ASPNETCORE_URLS="http://127.0.0.1:$p" Logging__LogLevel__Default=Warning dotnet "services/Broadcast.$name/bin/Release/net10.0/Broadcast.$name.dll"; }
run nats nats-server -a 127.0.0.1 -p "$nats"
service Ingest "$ingest" Nats__Url="nats://127.0.0.1:$nats" Ingest__SourcePassword=hackme
service Edge "$edge" Nats__Url="nats://127.0.0.1:$nats"
service Gateway "$gateway" Gateway__Edges__0="http://127.0.0.1:$edge"
for p in "$ingest" "$edge" "$gateway"; do for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$p/healthz/ready" >/dev/null && break; sleep 0.2; done; done
loadtest="dotnet tests/Broadcast.LoadTest/bin/Release/net10.0/Broadcast.LoadTest.dll"
url="http://127.0.0.1:$gateway/storm.mp3"
$loadtest source --url "http://127.0.0.1:$ingest/storm.mp3" --file tests/Broadcast.LoadTest/bin/Release/net10.0/Fixtures/cbr128.mp3 --loop 1 --duration 200 >"$out/source.log" 2>&1 &
for _ in $(seq 1 100); do curl -fsI --max-time 2 "$url" >/dev/null && break; sleep 0.2; done
rss() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
ticks=$(getconf CLK_TCK)

$loadtest swarm --url "$url" --listeners "$steady" --ramp 10 --duration 80 --label steady >"$out/steady.txt" 2>&1 &
steady_pid=$!
sleep 25
declare -A before peak
for i in "${!pids[@]}"; do before[$i]=$(cpu "${pids[$i]}"); peak[$i]=$(rss "${pids[$i]}"); done
echo "idle+steady RSS MiB: $(for i in "${!pids[@]}"; do printf '%s %s  ' "${names[$i]}" "${peak[$i]}"; done)"
$loadtest swarm --url "$url" --listeners "$storm" --ramp 0 --duration 30 --label storm >"$out/storm.txt" 2>&1 &
storm_pid=$!
while kill -0 "$storm_pid" 2>/dev/null; do
  for i in "${!pids[@]}"; do r=$(rss "${pids[$i]}"); [ "$r" != "-" ] && awk -v a="$r" -v b="${peak[$i]}" 'BEGIN{exit !(a>b)}' && peak[$i]=$r; done
  sleep 1
done
wait "$storm_pid" || true
echo "during the storm (CPU s, peak RSS MiB):"
for i in "${!pids[@]}"; do echo "  ${names[$i]}: $(awk -v a="$(cpu "${pids[$i]}")" -v b="${before[$i]}" -v t="$ticks" 'BEGIN{printf "%.1f", (a-b)/t}') s, ${peak[$i]} MiB"; done
wait "$steady_pid" || true
cat "$out/storm.txt" "$out/steady.txt"

#!/usr/bin/env bash
# The soak (issue #16), a benchmark, not a test: MINUTES of continuous churn on one station through the gateway, with
# steady listeners who never leave, a title change a minute, an edge killed (SIGKILL) and restarted at a third of the
# run and nats-server restarted at two thirds. Prints every process's RSS each minute, each one's idle RSS before and
# 60 s after, and how many steady listeners were dropped (the swarm's failures; goal 0).
# Usage: deploy/local/soak.sh [minutes=30] [steady=200] [churn=100]     BENCH_ENV="..." passes settings to every service.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
minutes=${1:-30}; steady=${2:-200}; churn=${3:-100}
command -v nats-server >/dev/null || { echo "soak.sh: nats-server missing; run deploy/local/test.sh once" >&2; exit 1; }
dotnet build Broadcast.sln -c Release -nologo -v quiet >/dev/null
out=$(mktemp -d /tmp/broadcast-soak.XXXX)
ulimit -n 20000 2>/dev/null || true
declare -A pid
stop() { kill "${pid[@]}" $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nats=$(port); ingest=$(port); edge0=$(port); edge1=$(port); gateway=$(port)
start_nats() { nats-server -a 127.0.0.1 -p "$nats" >>"$out/nats.log" 2>&1 & pid[nats]=$!; }
service() { # name key port env...
  local name=$1 key=$2 p=$3; shift 3
  # shellcheck disable=SC2086
  env "$@" ${BENCH_ENV:-} ASPNETCORE_URLS="http://127.0.0.1:$p" Logging__LogLevel__Default=Warning \
    dotnet "services/$name/bin/Release/net10.0/$name.dll" >>"$out/$key.log" 2>&1 &
  pid[$key]=$!
}
ready() { for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$1/healthz/ready" >/dev/null && return 0; sleep 0.2; done; echo "soak: :$1 never ready" >&2; exit 1; }
start_edge() { service Broadcast.Edge "$1" "$2" Nats__Url="nats://127.0.0.1:$nats"; }
start_nats
service Broadcast.Ingest ingest "$ingest" Nats__Url="nats://127.0.0.1:$nats" Ingest__SourcePassword=hackme
start_edge edge0 "$edge0"; start_edge edge1 "$edge1"
service Broadcast.Gateway gateway "$gateway" Logging__LogLevel__Broadcast.Gateway.Routing=Information Gateway__Edges__0="http://127.0.0.1:$edge0" Gateway__Edges__1="http://127.0.0.1:$edge1"
for p in "$ingest" "$edge0" "$edge1" "$gateway"; do ready "$p"; done

loadtest="dotnet tests/Broadcast.LoadTest/bin/Release/net10.0/Broadcast.LoadTest.dll"
url="http://127.0.0.1:$gateway/soak.mp3"
total=$(( minutes * 60 ))
$loadtest source --url "http://127.0.0.1:$ingest/soak.mp3" --file tests/Broadcast.LoadTest/bin/Release/net10.0/Fixtures/cbr128.mp3 \
  --loop 1 --duration $(( total + 240 )) >"$out/source.log" 2>&1 &
source_pid=$!
for _ in $(seq 1 100); do curl -fsI --max-time 2 "$url" >/dev/null && break; sleep 0.2; done

rss() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
row() { local line; line=$(printf '%-8s' "$1"); for k in nats ingest edge0 edge1 gateway; do line+=$(printf ' %8s' "$(rss "${pid[$k]}")"); done; echo "$line"; }

# Warm up (JIT, pools, the thread pool), then the idle baseline.
$loadtest swarm --url "$url" --listeners $(( steady + churn )) --ramp 10 --duration 20 --label warmup >"$out/warmup.txt" 2>&1 || true
sleep 30
echo "soak: $minutes min, $steady steady listeners, churn of $churn, logs in $out"
printf '%-8s %8s %8s %8s %8s %8s  (RSS MiB)\n' when nats ingest edge0 edge1 gateway
row idle | tee "$out/idle-before.txt"

$loadtest swarm --url "$url" --listeners "$steady" --ramp 10 --duration $(( total - 20 )) --label steady --json "$out/steady.json" >"$out/steady.txt" 2>&1 &
steady_pid=$!
( end=$(( $(date +%s) + total - 30 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    $loadtest swarm --url "$url" --listeners "$churn" --ramp 5 --duration 15 --label churn >>"$out/churn.txt" 2>&1 || true
  done ) &
churn_pid=$!
for minute in $(seq 1 "$minutes"); do
  sleep 60
  curl -fs -u source:hackme "http://127.0.0.1:$ingest/admin/metadata?mode=updinfo&mount=/soak.mp3&song=Soak%20minute%20$minute" >/dev/null || echo "soak: title change failed at minute $minute"
  if [ "$minute" -eq $(( minutes / 3 )) ]; then
    # the edge carrying the station (more requests in flight) dies and comes back on its port
    a=$(curl -fs "http://127.0.0.1:$edge0/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
    b=$(curl -fs "http://127.0.0.1:$edge1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
    if [ "$a" -ge "$b" ]; then victim=edge0; vport=$edge0; else victim=edge1; vport=$edge1; fi
    kill -9 "${pid[$victim]}"; echo "soak: minute $minute: SIGKILL $victim ($a / $b requests in flight)"
    sleep 2; start_edge "$victim" "$vport"; ready "$vport"
  fi
  if [ "$minute" -eq $(( 2 * minutes / 3 )) ]; then
    kill -9 "${pid[nats]}"; echo "soak: minute $minute: nats-server killed for 5 s"
    sleep 5; start_nats
  fi
  row "min $minute"
done
wait "$steady_pid" || true
wait "$churn_pid" || true
kill "$source_pid" 2>/dev/null || true # the source leaves too: idle means idle
sleep 60
row idle | tee "$out/idle-after.txt"
echo; cat "$out/steady.txt"
echo "churn swarms: $(grep -c 'listeners,' "$out/churn.txt" || true), failures in them: $(grep -o 'failures [0-9]*' "$out/churn.txt" | awk '{s+=$2} END {print s+0}')"
grep -h "failed over\|bridged\|bytes lost\|NATS connection" "$out"/*.log | sed 's/^ *//' | sort | uniq -c | sort -rn | head -10 || true

#!/usr/bin/env bash
# The README's run command: on loopback, starts nats-server, redis-server (:6390, no persistence), the directory
# (HTTP :8300, gRPC :8301), ingest (:8001), two edges (:8101, :8102) that report to the directory, and the gateway
# (:8000), which learns its edges from the directory; then a demo station pushed in real time: by ffmpeg when it is
# installed, otherwise by our own source client (tests/Broadcast.LoadTest) looping a short MP3. Installs
# nats-server and redis-server from Debian when missing. Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v nats-server >/dev/null || missing+=(nats-server)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

dotnet build Broadcast.sln -c Release -nologo -v quiet
logs=$(mktemp -d)
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; echo "stopped; logs in $logs"; }
trap stop EXIT INT TERM

run() { # name port env...
  local name=$1 port=$2; shift 2
  env "$@" ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "services/$name/bin/Release/net10.0/$name.dll" >"$logs/$name-$port.log" 2>&1 &
  pids+=($!)
}
wait_ready() { # url
  for _ in $(seq 1 100); do curl -fs "$1/healthz/ready" >/dev/null && return 0; sleep 0.2; done
  echo "up.sh: $1 did not become ready; see $logs" >&2; exit 1
}

nats-server -a 127.0.0.1 -p 4222 >"$logs/nats.log" 2>&1 &
pids+=($!)
redis-server --port 6390 --bind 127.0.0.1 --save "" --appendonly no >"$logs/redis.log" 2>&1 &
pids+=($!)
directory=http://127.0.0.1:8301
run Broadcast.Directory 8300 Nats__Url=nats://127.0.0.1:4222 Redis__Configuration=127.0.0.1:6390 Directory__AdminToken="${BROADCAST_ADMIN_TOKEN:-change-me}" \
  Kestrel__Endpoints__Http__Url=http://127.0.0.1:8300 Kestrel__Endpoints__Grpc__Url=$directory Kestrel__Endpoints__Grpc__Protocols=Http2
run Broadcast.Ingest 8001 Nats__Url=nats://127.0.0.1:4222 Ingest__SourcePassword=hackme Ingest__DirectoryUrl=$directory \
  Ingest__AdminPassword="${BROADCAST_ADMIN_PASSWORD:-change-me}" Ingest__ShoutcastPort=8002 Ingest__ShoutcastMount=/stream \
  Ingest__SourcePriorities__dj=10
run Broadcast.Edge 8101 Nats__Url=nats://127.0.0.1:4222 Edge__DirectoryUrl=$directory Network__TrustedProxies=127.0.0.1
run Broadcast.Edge 8102 Nats__Url=nats://127.0.0.1:4222 Edge__DirectoryUrl=$directory Network__TrustedProxies=127.0.0.1
run Broadcast.Gateway 8000 Gateway__DirectoryUrl=$directory Gateway__DirectoryHttpUrl=http://127.0.0.1:8300
for url in http://127.0.0.1:8300 http://127.0.0.1:8001 http://127.0.0.1:8101 http://127.0.0.1:8102 http://127.0.0.1:8000; do wait_ready "$url"; done

# The demo station: a real MP3 encoder pushing a changing tone in real time, as any Icecast source would.
if command -v ffmpeg >/dev/null; then
  ffmpeg -hide_banner -v error -re -f lavfi -i "sine=frequency=440:beep_factor=4" -c:a libmp3lame -b:a 128k \
    -content_type audio/mpeg -ice_name "Broadcast demo" -ice_genre "Test tones" -ice_public 1 \
    icecast://source:hackme@127.0.0.1:8001/demo.mp3 >"$logs/demo-source.log" 2>&1 &
else
  dotnet tests/Broadcast.LoadTest/bin/Release/net10.0/Broadcast.LoadTest.dll source --url http://127.0.0.1:8001/demo.mp3 \
    --file tests/Broadcast.LoadTest/bin/Release/net10.0/Fixtures/cbr128.mp3 --loop 1 --duration 86400 --name "Broadcast demo" \
    >"$logs/demo-source.log" 2>&1 &
fi
pids+=($!)

# A first title, so the page, players and status-json show one (bounded wait for the demo to go live).
for _ in $(seq 1 50); do
  curl -fs -u source:hackme "http://127.0.0.1:8001/admin/metadata?mode=updinfo&mount=/demo.mp3&song=Broadcast+-+Demo+tone" >/dev/null && break
  sleep 0.2
done

cat <<MSG

Broadcast is running on loopback (logs: $logs).
  Page:     http://127.0.0.1:8000/   (live stations, a player, now playing)
  Listen:   curl -s http://127.0.0.1:8000/demo.mp3 | ffplay -nodisp -    (or open the URL in VLC/mpv; playlists: /demo.mp3.m3u)
  Encoders: icecast://source:hackme@127.0.0.1:8001/<mount>   e.g. ffmpeg ... -content_type audio/mpeg icecast://...
            SHOUTcast v1 encoders: host 127.0.0.1, port 8001 (they add one: 8002), password hackme -> /stream
  Titles:   curl -u source:hackme 'http://127.0.0.1:8001/admin/metadata?mode=updinfo&mount=/demo.mp3&song=Artist+-+Title'
            now playing, live: curl -N http://127.0.0.1:8000/api/stations/demo.mp3/events
  Status:   http://127.0.0.1:8000/status-json.xsl   http://127.0.0.1:8000/api/stations   http://127.0.0.1:8000/api/edges
  DJs:      log in as dj:hackme to take a station over from its playlist (user source); it resumes when you leave
  Admin:    curl -u admin:${BROADCAST_ADMIN_TOKEN:-change-me} 'http://127.0.0.1:8300/admin/listclients?mount=/demo.mp3'
            (stats, killclient, killsource, moveclients, fallbacks, metadata; .json forms; http://127.0.0.1:8000/status.xsl)
            curl -X PUT -H "Authorization: Bearer ${BROADCAST_ADMIN_TOKEN:-change-me}" -d '{"password":"…"}' \
              -H 'Content-Type: application/json' http://127.0.0.1:8300/api/admin/stations/<mount>
Press Ctrl-C to stop.
MSG
wait "${pids[0]}"

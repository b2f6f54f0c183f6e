#!/usr/bin/env bash
# The side-by-side benchmark (issue #5): Icecast 2 and Broadcast on this machine, same source, same swarm.
# Installs icecast2, nats-server, ffmpeg and python3 from Debian when missing, builds, and runs deploy/local/bench.py
# (see --help there). Takes about 30 minutes with the defaults; `--sizes 1000 --cycles 1 --hold 20` is a quick look.
# BENCH_ENV="Edge__LeanListeners=false" passes settings to every Broadcast service, so an A/B is one flag.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
command -v icecast2 >/dev/null || missing+=(icecast2)
command -v nats-server >/dev/null || missing+=(nats-server)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v python3 >/dev/null || missing+=(python3)
command -v taskset >/dev/null || missing+=(util-linux)
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  # icecast2's package starts nothing here (we run it from our own config), but debconf asks; answer for it.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
dotnet build Broadcast.sln -c Release -nologo -v quiet >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 deploy/local/bench.py "$@"

#!/usr/bin/env bash
# The README's run command. Today only the shared core exists (issue #3); the live path
# (ingest → NATS → edge → gateway, issue #4) is not built yet, so this script builds the solution,
# installs and starts nats-server on loopback (what the live path will use), and says so.
# Stops everything on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
command -v nats-server >/dev/null || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server >/dev/null; }

dotnet build Broadcast.sln -c Release -nologo -v quiet
port=${NATS_PORT:-4222}
nats-server -a 127.0.0.1 -p "$port" &
nats=$!
trap 'kill $nats 2>/dev/null; wait $nats 2>/dev/null' EXIT INT TERM
echo
echo "nats-server listening on nats://127.0.0.1:$port"
echo "The services (ingest, edge, gateway) and the demo station are not built yet (issue #4)."
echo "Press Ctrl-C to stop."
wait $nats

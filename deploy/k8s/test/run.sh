#!/usr/bin/env bash
# The chart, run for real on this machine (issue #15): builds the four images (deploy/containers/build.sh) and a
# NATS/Redis image from Debian's packages, renders the chart with podman.yaml (host network, local images), starts
# it with `podman kube play`, pushes a source with ffmpeg to the ingest pod, captures a listener through the gateway
# pod and decodes it with ffmpeg, checks that /status-json.xsl counts the listener, and removes everything with
# `podman kube down`. Bounded in time. Prints "run: ok", fails with the reason, or skips with a clear message when
# podman cannot run containers here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
. deploy/containers/podman.sh
start=$(date +%s)

if ! bash deploy/containers/build.sh dev; then
  # A build runs containers for its RUN steps: tell "podman cannot run here" (skipped) from a broken build (failed).
  if ! pm run --rm --network=host localhost/broadcast-base:bookworm true 2>/tmp/broadcast-podman-probe.log; then
    echo "run: SKIPPED: podman cannot run a container here: $(tail -1 /tmp/broadcast-podman-probe.log)"
    exit 0
  fi
  echo "run: FAILED: the images did not build"; exit 1
fi
if ! pm image exists localhost/broadcast-deps:dev; then
  work=$(mktemp -d)
  mmdebstrap --quiet --variant=apt --include=ca-certificates,nats-server,redis-server bookworm "$work/deps.tar"
  pm import --quiet --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$work/deps.tar" localhost/broadcast-deps:dev >/dev/null
  rm -rf "$work"
fi

manifest=$(mktemp --suffix=.yaml)
(cd deploy/k8s/render && GO111MODULE=off GOPATH=/usr/share/gocode go build -o render render.go)
# Without the helm test pod (a hook, run by `helm test`, and its curl image is in no registry here).
deploy/k8s/render/render -chart deploy/k8s/broadcast -f "$here/podman.yaml" | python3 -c '
import sys, yaml
docs = [d for d in yaml.safe_load_all(sys.stdin) if d and "helm.sh/hook" not in d["metadata"].get("annotations", {})]
print(yaml.safe_dump_all(docs))' > "$manifest"
logs=$(mktemp -d)
cleanup() {
  for pod in $(pm pod ps --format '{{.Name}}' | grep '^broadcast-' || true); do pm pod logs "$pod" > "$logs/$pod.log" 2>&1 || true; done
  pm kube down "$manifest" >/dev/null 2>&1 || true
  if [ -n "${source_pid:-}" ]; then kill "$source_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
# Leftovers of an interrupted run would make kube play refuse ("pod already exists").
for pod in $(pm pod ps --format '{{.Name}}' | grep '^broadcast-' || true); do pm pod rm --force "$pod" >/dev/null 2>&1 || true; done
# podman turns the probes into healthchecks and, with no systemd here, logs an error per container that it cannot
# time them; the chart's own readiness is checked below, so kube play's log is kept and shown only on failure.
if ! pm kube play --quiet "$manifest" >"$logs/kube-play.log" 2>&1; then
  grep -v 'systemd connection' "$logs/kube-play.log"; echo "run: FAILED: podman kube play"; exit 1
fi

wait_for() { # what url [seconds]
  # The status code only: a station's stream never ends, so curl is bounded and its timeout is not a failure.
  for _ in $(seq 1 $(( ${3:-90} * 2 ))); do
    [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$2" || true)" = 200 ] && return 0
    sleep 0.5
  done
  echo "run: FAILED: $1 ($2) did not answer; pod logs in $logs"; exit 1
}
for url in http://127.0.0.1:8300/healthz/ready http://127.0.0.1:8000/healthz/ready http://127.0.0.1:8080/healthz/ready http://127.0.0.1:8090/healthz/ready; do
  wait_for "readiness" "$url"
done
echo "run: every pod ready after $(( $(date +%s) - start )) s"

ffmpeg -hide_banner -v error -re -f lavfi -i sine=frequency=440:duration=60 -c:a libmp3lame -b:a 128k -content_type audio/mpeg \
  -f mp3 icecast://source:hackme@127.0.0.1:8000/chart.mp3 > "$logs/source.log" 2>&1 &
source_pid=$!
wait_for "the station through the gateway" http://127.0.0.1:8090/chart.mp3 60
capture=$(mktemp --suffix=.mp3)
curl -s --max-time 6 http://127.0.0.1:8090/chart.mp3 -o "$capture" &
listener=$!
listeners=0
for _ in $(seq 1 20); do
  listeners=$(curl -fs http://127.0.0.1:8090/status-json.xsl | python3 -c 'import json,sys; s=json.load(sys.stdin)["icestats"].get("source",{}); s=s if isinstance(s,list) else [s]; print(sum(x.get("listeners",0) for x in s if x.get("listenurl","").endswith("/chart.mp3")))' || echo 0)
  [ "$listeners" -ge 1 ] && break
  sleep 0.25
done
wait "$listener" || true
[ "$listeners" -ge 1 ] || { echo "run: FAILED: /status-json.xsl did not count the listener"; exit 1; }
bytes=$(stat -c %s "$capture")
errors=$(ffmpeg -hide_banner -v error -i "$capture" -f null - 2>&1 || true)
[ "$bytes" -gt 40000 ] && [ -z "$errors" ] || { echo "run: FAILED: capture of $bytes bytes, decoder said: $errors"; exit 1; }
echo "run: ok: a listener through the gateway pod decoded $bytes bytes, status-json counted $listeners; $(( $(date +%s) - start )) s in all"

#!/usr/bin/env bash
# Builds the four service images with podman on this machine (issue #15) and reports their sizes:
#   deploy/containers/build.sh [tag=dev]
# Installs podman, runc, catatonit and mmdebstrap from Debian when missing (podman.sh). With no registry reachable, the base image
# is made from Debian packages with mmdebstrap (what runtime-deps holds: libc, libssl, ca-certificates, ICU) and the
# build stage's SDK is that base plus this machine's .NET SDK; the Containerfiles are the ones the world builds with
# Microsoft's images. NuGet restores through the host's package cache, mounted into the build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
tag=${1:-dev}
. deploy/containers/podman.sh
echo "podman storage driver: $BROADCAST_PODMAN_DRIVER"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! pm image exists localhost/broadcast-base:bookworm; then
  mmdebstrap --quiet --variant=apt --include=ca-certificates,libssl3,libicu72,tzdata bookworm "$work/base.tar"
  pm import --quiet --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$work/base.tar" localhost/broadcast-base:bookworm >/dev/null
fi
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
if ! pm image exists localhost/broadcast-sdk:10.0; then
  pm build --quiet -f deploy/containers/sdk.Containerfile -t localhost/broadcast-sdk:10.0 "$dotnet_root" >/dev/null
fi

# The last commit that changed what goes into the images: a commit elsewhere (the chart, docs) keeps the build cache.
revision=$(git log -1 --format=%H -- services protos Directory.Build.props Directory.Packages.props global.json .containerignore 2>/dev/null || echo unknown)
mkdir -p "${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for service in ingest edge gateway directory; do
  project="Broadcast.${service^}"
  start=$(date +%s)
  # The host's CA bundle too: where the network reaches NuGet through an intercepting proxy, only the host trusts it.
  pm build --quiet --network=host -v "${NUGET_PACKAGES:-$HOME/.nuget/packages}:/nuget" -v /etc/ssl/certs:/etc/ssl/certs:ro \
    --build-arg SDK=localhost/broadcast-sdk:10.0 --build-arg BASE=localhost/broadcast-base:bookworm \
    --build-arg VERSION="$tag" --build-arg REVISION="$revision" \
    -f "services/$project/Containerfile" -t "localhost/broadcast-$service:$tag" . >/dev/null
  echo "built localhost/broadcast-$service:$tag in $(( $(date +%s) - start )) s"
done
pm image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "broadcast-(ingest|edge|gateway|directory|base)"

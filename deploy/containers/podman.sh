# Sourced by build.sh and deploy/k8s/test/run.sh: podman as this machine needs it (../shared/research/containers.md).
# Installs podman, runc, catatonit and mmdebstrap from Debian when missing, points CONTAINERS_CONF at the settings
# this kind of machine needs, and defines `pm`, podman with a storage driver that works here: overlay where the
# kernel mounts it (layers are shared, a build takes seconds per step), otherwise vfs (every layer a full copy).
# Each driver keeps its own store, so a machine that once used one never confuses the other.
podman_missing=()
for tool in podman runc catatonit mmdebstrap; do command -v "$tool" >/dev/null || podman_missing+=("$tool"); done
if [ ${#podman_missing[@]} -gt 0 ]; then
  podman_sudo=""; [ "$(id -u)" -eq 0 ] || podman_sudo="sudo"
  $podman_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $podman_sudo apt-get install -y -qq --no-install-recommends "${podman_missing[@]}" >/dev/null
fi
export CONTAINERS_CONF
CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/containers.conf"
podman_store() { echo "${BROADCAST_PODMAN_STORE:-/var/lib/containers/broadcast}-$1"; }
if [ -z "${BROADCAST_PODMAN_DRIVER:-}" ]; then
  BROADCAST_PODMAN_DRIVER=vfs
  if podman --storage-driver=overlay --root "$(podman_store overlay)" info >/dev/null 2>&1; then
    BROADCAST_PODMAN_DRIVER=overlay
  fi
  export BROADCAST_PODMAN_DRIVER
fi
pm() { podman --storage-driver="$BROADCAST_PODMAN_DRIVER" --root "$(podman_store "$BROADCAST_PODMAN_DRIVER")" "$@"; }

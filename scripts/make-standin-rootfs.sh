#!/usr/bin/env bash
# Build the Debian root filesystem from which the container tests make their stand-ins for the
# official `node` and `nginx` base images (which cannot be pulled here): debootstrap minbase
# bookworm from the mirror apt already uses, plus Debian's nginx and busybox (for `wget`, as in
# the Alpine images). Cached as a tarball under
# ~/.cache/webapp-platform/docker/standin/<key>/rootfs.tar, the key being a hash of this script,
# so a change here rebuilds it and nothing else does.
#
# Usage: scripts/make-standin-rootfs.sh     prints the tarball's path on stdout.
set -euo pipefail

SUITE=bookworm
INCLUDE=nginx-light,busybox,ca-certificates
key=$(sha256sum "$0" | cut -c1-16)
dest=${WEBAPP_PLATFORM_CACHE:-$HOME/.cache/webapp-platform}/docker/standin/$key
log() { printf 'make-standin-rootfs: %s\n' "$*" >&2; }

if [ -f "$dest/rootfs.tar" ]; then
  echo "$dest/rootfs.tar"
  exit 0
fi
command -v debootstrap >/dev/null || { log "debootstrap not found: run scripts/install-system-deps.sh"; exit 2; }
[ "$(id -u)" -eq 0 ] || { log "debootstrap needs root"; exit 2; }

# shellcheck source=scripts/lib/debian-mirror.sh
. "$(dirname "$0")/lib/debian-mirror.sh"
mirror=$(debian_mirror)
[ -n "$mirror" ] || { log "no bookworm entry in /etc/apt/sources.list{,.d}"; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/standin-rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "debootstrap --variant=minbase $SUITE (+$INCLUDE) from $mirror"
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$work/root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 2; }
# Nothing of the build host's apt state or caches belongs in an image.
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
mkdir -p "$dest"
tar -C "$work/root" --numeric-owner -cf "$dest/rootfs.tar.partial" .
mv "$dest/rootfs.tar.partial" "$dest/rootfs.tar"
echo "$dest/rootfs.tar"

#!/usr/bin/env bash
# Fetch Debian 13 (trixie)'s Docker engine, CLI, buildx and compose plugin and unpack them, NOT
# install them, under ~/.cache/webapp-platform/docker/<docker.io version>/root/. The container
# test tier (tests/container/) starts that dockerd itself, on its own socket and data folder,
# with the host's containerd and runc (Debian 12 packages: scripts/install-system-deps.sh).
# Why trixie: Debian 12's docker.io 20.10 has a BuildKit without named build contexts
# (--build-context webimage=image/) and Debian 12 has no buildx package.
#
# The packages come through apt itself, with an apt configuration of its own (lists and
# archives under the cache folder) pointing at the trixie suite of the mirror apt already uses,
# so the host's apt state is never touched. Idempotent: a completed unpack of the pinned
# version is reused without any network access.
#
# Usage: scripts/install-docker-engine.sh     prints the unpacked root folder on stdout.
set -euo pipefail

SUITE=trixie
# The version the tests were written against; another trixie version is refused, not guessed.
DOCKER_VERSION_PREFIX=26.1.5
PACKAGES=(docker.io docker-cli docker-buildx docker-compose)
CACHE=${WEBAPP_PLATFORM_CACHE:-$HOME/.cache/webapp-platform}/docker

log() { printf 'install-docker-engine: %s\n' "$*" >&2; }

for done_marker in "$CACHE"/"$DOCKER_VERSION_PREFIX"*/.complete; do
  if [ -f "$done_marker" ]; then
    dirname "$done_marker" | sed 's#$#/root#'
    exit 0
  fi
done

for tool in apt-get apt-cache dpkg-deb; do
  command -v "$tool" >/dev/null || { log "$tool not found: this script needs Debian's apt"; exit 2; }
done

# The mirror of the host's main Debian suite (deb822 .sources or one-line sources.list).
# shellcheck source=scripts/lib/debian-mirror.sh
. "$(dirname "$0")/lib/debian-mirror.sh"
mirror=$(debian_mirror)
[ -n "$mirror" ] || { log "no bookworm entry in /etc/apt/sources.list{,.d}: cannot tell which mirror to use"; exit 2; }

apt_dir="$CACHE/apt-$SUITE"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc"
printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' "$mirror" "$SUITE" \
  > "$apt_dir/etc/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
  -o "Dir::Etc::SourceParts=/nonexistent"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::State::status=/dev/null"
  -o "APT::Architecture=$(dpkg --print-architecture)"
  # The cache folder is root's own: apt's _apt sandbox user cannot write there.
  -o "APT::Sandbox::User=root"
)
log "reading the $SUITE package lists of $mirror"
apt-get "${apt_opts[@]}" -qq update

version=$(apt-cache "${apt_opts[@]}" show --no-all-versions docker.io | awk '/^Version:/ {print $2; exit}')
case "$version" in
  "$DOCKER_VERSION_PREFIX"*) ;;
  *) log "$SUITE offers docker.io '$version', expected $DOCKER_VERSION_PREFIX*: update DOCKER_VERSION_PREFIX after checking the tests"; exit 2 ;;
esac

dest="$CACHE/$version"
rm -rf "$dest"
mkdir -p "$dest/debs" "$dest/root"
log "downloading ${PACKAGES[*]} ($SUITE, docker.io $version)"
(cd "$dest/debs" && apt-get "${apt_opts[@]}" -qq download "${PACKAGES[@]}")
for deb in "$dest"/debs/*.deb; do
  dpkg-deb -x "$deb" "$dest/root"
  # shellcheck disable=SC2016 # dpkg-deb's own ${field} syntax, not the shell's
  dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >> "$dest/versions.txt"
done
rm -rf "$dest/debs"
for binary in usr/sbin/dockerd usr/bin/docker usr/libexec/docker/cli-plugins/docker-buildx \
  usr/libexec/docker/cli-plugins/docker-compose; do
  [ -x "$dest/root/$binary" ] || { log "$binary missing after unpacking"; exit 2; }
done
touch "$dest/.complete"
log "unpacked: $(paste -sd';' "$dest/versions.txt")"
echo "$dest/root"

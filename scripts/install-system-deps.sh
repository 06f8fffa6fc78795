#!/usr/bin/env bash
# Debian packages the tests and benchmarks run for real: nginx (gzip_static, mime.types) serving the
# shipped site config, busybox standing in for the Alpine builder's shell tools, wrk for the
# benchmark; for `make container`: chromium (the browser tier, Lighthouse), containerd and runc
# (run Debian 13's dockerd: scripts/install-docker-engine.sh), debootstrap (stand-in base images),
# curl (probes inside a container's network namespace), docker-registry (the tests start their own
# registry on 127.0.0.1 for the push test). Idempotent; installs only what is missing.
set -euo pipefail
packages=(nginx-light busybox wrk chromium containerd runc debootstrap curl docker-registry)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

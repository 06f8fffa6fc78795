# shellcheck shell=bash
# Sourced by scripts that fetch Debian packages: debian_mirror prints the mirror URI of the host's
# bookworm suite (deb822 .sources first, then a one-line sources.list), or nothing.
debian_mirror() {
  local mirror
  mirror=$(
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } \
      | awk '/^URIs:/ {uri=$2} /^Suites:/ && / bookworm( |$)/ {print uri; exit}'
  )
  if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $0 ~ / bookworm / {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
      /etc/apt/sources.list 2>/dev/null || true)
  fi
  printf '%s' "$mirror"
}

#!/bin/sh
# Precompress the text assets of a built site for nginx's gzip_static: writes FILE.gz (gzip at
# its maximum level, -9) beside every text file, and keeps it only where it is smaller than FILE
# (tiny files grow). Re-running it rewrites the same .gz files.
# POSIX sh and gzip only, so it runs unchanged on the Node Alpine builder (busybox gzip) and on
# Debian (GNU gzip) in the tests. No .br: the runtime image has no brotli module (see Dockerfile).
#
# Usage: precompress.sh DIR   (DIR: the build output, e.g. dist)
set -eu

if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
    printf 'usage: precompress.sh DIR (DIR: the built site, e.g. dist; got: %s)\n' "${1:-nothing}" >&2
    exit 2
fi

# Reading stdin keeps the original name out of the .gz header, the same with either gzip.
find "$1" -type f \( \
        -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.mjs' -o -name '*.json' \
        -o -name '*.svg' -o -name '*.txt' -o -name '*.xml' -o -name '*.webmanifest' \
        -o -name '*.ico' -o -name '*.wasm' \
    \) -exec sh -eu -c '
        for file do
            gzip -9 -c < "$file" > "$file.gz"
            if [ "$(wc -c < "$file.gz")" -ge "$(wc -c < "$file")" ]; then
                rm -f "$file.gz"
            fi
        done
    ' precompress.sh {} +

printf 'precompress.sh: %s precompressed file(s) in %s\n' "$(find "$1" -type f -name '*.gz' | wc -l | tr -d ' ')" "$1"

#!/bin/sh
# Render csp.conf, the Content-Security-Policy header of the site, from the build arguments that
# are also baked into the bundle, so the policy allows exactly the origins this build talks to.
# The Dockerfile runs it in the build stage; the tests run the same script on Debian.
#
# Inputs (environment; all optional):
#   VITE_API_URL     the API base URL, https://host[:port][/path], or a same-origin path (/api)
#   VITE_SENTRY_DSN  the Sentry DSN, https://<public key>@<ingest host>[:port]/<project id>
#   CSP_REPORT_URI   where browsers report violations (Sentry's security endpoint: SentryKey.dsn_csp)
#   http:// is accepted only for localhost and 127.0.0.1 (local builds).
# Output: the nginx include on stdout. Anything else is refused with a message naming the
# variable and exit status 2: the values land inside an nginx string, so quotes, `$`, `;`,
# spaces and newlines must never get through.
set -eu

fail() {
    printf 'render-csp.sh: %s\n' "$*" >&2
    exit 2
}

# True when $1 is one line matching the extended regex $2.
matches() {
    case $1 in
        *'
'*) return 1 ;;
    esac
    printf '%s\n' "$1" | grep -Eq "$2"
}

HOST_PORT='[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?'
URL_PATH='[A-Za-z0-9._~%/+-]*'
LOCAL='http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?'

api_url=${VITE_API_URL-}
sentry_dsn=${VITE_SENTRY_DSN-}
report_uri=${CSP_REPORT_URI-}

connect_src="'self'"

# The API: an absolute URL adds its origin; a path is same-origin and adds nothing.
if [ -n "$api_url" ]; then
    if matches "$api_url" "^/$URL_PATH\$"; then
        :
    elif matches "$api_url" "^(https://$HOST_PORT|$LOCAL)(/$URL_PATH)?\$"; then
        api_origin=$(printf '%s\n' "$api_url" | sed -E 's#^(https?://[^/]+).*#\1#')
        connect_src="$connect_src $api_origin"
    else
        fail "VITE_API_URL='$api_url' is not an https:// URL or a path (expected e.g. https://api.example.com/v1 or /api)"
    fi
fi

# Sentry: the browser SDK posts events to the DSN's ingest origin.
if [ -n "$sentry_dsn" ]; then
    if ! matches "$sentry_dsn" "^https://[A-Za-z0-9]+@$HOST_PORT(/[A-Za-z0-9._-]+)*/[0-9]+\$"; then
        fail "VITE_SENTRY_DSN is not a Sentry DSN (expected https://<public key>@o123.ingest.sentry.io/456)"
    fi
    sentry_origin=$(printf '%s\n' "$sentry_dsn" | sed -E 's#^https://[^@]+@([^/]+)/.*#https://\1#')
    case " $connect_src " in
        *" $sentry_origin "*) ;;
        *) connect_src="$connect_src $sentry_origin" ;;
    esac
fi

report=""
if [ -n "$report_uri" ]; then
    if ! matches "$report_uri" "^https://$HOST_PORT/[A-Za-z0-9._~%/?&=+-]*\$"; then
        fail "CSP_REPORT_URI='$report_uri' is not an https:// URL (expected e.g. https://o123.ingest.sentry.io/api/456/security/?sentry_key=...)"
    fi
    report="; report-uri $report_uri"
fi

# What a Vite + React build needs: its own scripts, styles and chunks; data: images and fonts
# (Vite inlines small assets); blob: workers (Sentry session replay); no plugins, no framing.
policy="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
policy="$policy; font-src 'self' data:; connect-src $connect_src; worker-src 'self' blob:"
policy="$policy; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
policy="$policy; frame-ancestors 'none'$report"

printf '# Rendered by render-csp.sh at build time; included by site.conf.\n'
printf 'add_header Content-Security-Policy "%s" always;\n' "$policy"

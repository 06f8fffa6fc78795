// Sentry's browser SDK, initialised only when the build has a DSN (VITE_SENTRY_DSN). The DSN
// is public by design; events go to its ingest origin, which the image's CSP allows.
import * as Sentry from "@sentry/react";

export function initMonitoring(env) {
  if (!env.VITE_SENTRY_DSN) return false;
  Sentry.init({
    dsn: env.VITE_SENTRY_DSN,
    environment: env.VITE_ENVIRONMENT || env.MODE,
    integrations: [Sentry.browserTracingIntegration()],
    tracesSampleRate: 0.1,
    sendDefaultPii: false,
  });
  return true;
}

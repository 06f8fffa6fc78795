// Pure helpers (the "utils" chunk), tested by format.test.js.

/** The text shown for the API status request. */
export function describeStatus(status) {
  switch (status.state) {
    case "loading":
      return "Checking the API…";
    case "ok":
      return `API: ${status.data?.status ?? "reachable"}`;
    case "error":
      return `API unreachable (${status.error?.code ?? status.error?.message ?? "unknown error"})`;
    default:
      throw new Error(`unknown status state: ${status.state}`);
  }
}

/** One line naming the build's environment and mode. */
export function formatBuildInfo(env) {
  const environment = env.VITE_ENVIRONMENT || "development";
  return `Environment: ${environment} (mode ${env.MODE})`;
}

/** A web-vitals metric as one log-friendly line, the value rounded as the metric expects. */
export function formatMetric(metric) {
  const value = metric.name === "CLS" ? metric.value.toFixed(3) : Math.round(metric.value);
  return `${metric.name}=${value} (${metric.rating})`;
}

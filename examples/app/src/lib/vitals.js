// Core Web Vitals: each metric is sent to Sentry as a breadcrumb-free measurement line and
// logged in development, so a slow page shows up where errors do.
import * as Sentry from "@sentry/react";
import { onCLS, onINP, onLCP, onFCP, onTTFB } from "web-vitals";
import { formatMetric } from "./format.js";

function report(metric) {
  if (import.meta.env.DEV) console.info(formatMetric(metric));
  Sentry.setMeasurement?.(metric.name, metric.value, metric.name === "CLS" ? "" : "millisecond");
}

export function reportWebVitals() {
  for (const subscribe of [onCLS, onINP, onLCP, onFCP, onTTFB]) subscribe(report);
}

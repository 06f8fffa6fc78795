import { describe, expect, it } from "vitest";
import { describeStatus, formatBuildInfo, formatMetric } from "./format.js";

describe("describeStatus", () => {
  it.each([
    [{ state: "loading" }, "Checking the API…"],
    [{ state: "ok", data: { status: "green" } }, "API: green"],
    [{ state: "ok", data: {} }, "API: reachable"],
    [{ state: "error", error: { code: "ERR_NETWORK" } }, "API unreachable (ERR_NETWORK)"],
    [{ state: "error", error: new Error("boom") }, "API unreachable (boom)"],
  ])("%j -> %s", (status, text) => {
    expect(describeStatus(status)).toBe(text);
  });

  it("rejects an unknown state", () => {
    expect(() => describeStatus({ state: "later" })).toThrow(/unknown status state: later/);
  });
});

describe("formatBuildInfo", () => {
  it("names the environment and the mode", () => {
    expect(formatBuildInfo({ VITE_ENVIRONMENT: "staging", MODE: "staging" })).toBe(
      "Environment: staging (mode staging)",
    );
  });

  it("falls back to development", () => {
    expect(formatBuildInfo({ MODE: "test" })).toBe("Environment: development (mode test)");
  });
});

describe("formatMetric", () => {
  it("keeps three decimals for CLS and rounds the timings", () => {
    expect(formatMetric({ name: "CLS", value: 0.04567, rating: "good" })).toBe("CLS=0.046 (good)");
    expect(formatMetric({ name: "LCP", value: 1234.6, rating: "good" })).toBe("LCP=1235 (good)");
  });
});

// Loads the example app in Debian's headless Chromium (playwright-core) and prints one JSON report
// for tests/browser/ and tests/container/ to assert on. Nothing leaves the machine: every host
// but 127.0.0.1 resolves to nothing, and the API's and Sentry's requests are answered here by
// request interception, which the browser applies only after the page's CSP has let them through
// (a request the CSP blocks never reaches the route handler and fails as ERR_BLOCKED_BY_CSP).
//
// Usage: node check_app.mjs BASE_URL API_ORIGIN SENTRY_ORIGIN SCREENSHOT.png
import { chromium } from "playwright-core";

const [baseUrl, apiOrigin, sentryOrigin, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error("usage: check_app.mjs BASE_URL API_ORIGIN SENTRY_ORIGIN SCREENSHOT.png");
  process.exit(2);
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

const report = {
  violations: [],
  consoleErrors: [],
  failed: [],
  intercepted: [],
  responses: {},
  steps: {},
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: CHROMIUM_ARGS,
  timeout: 30000,
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.exposeBinding("reportViolation", (_source, violation) => {
    report.violations.push(violation);
  });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      window.reportViolation({
        directive: event.violatedDirective,
        blocked: event.blockedURI,
        source: event.sourceFile,
      });
    });
  });
  const answer = (body) => ({
    status: 200,
    contentType: "application/json",
    headers: { "Access-Control-Allow-Origin": "*" },
    body: JSON.stringify(body),
  });
  await context.route(`${apiOrigin}/**`, (route) => {
    report.intercepted.push(route.request().url());
    return route.fulfill(answer({ status: "green" }));
  });
  await context.route(`${sentryOrigin}/**`, (route) => {
    report.intercepted.push(route.request().url());
    return route.fulfill(answer({ id: "0".repeat(32) }));
  });

  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") report.consoleErrors.push(message.text());
  });
  page.on("requestfailed", (request) => {
    report.failed.push({ url: request.url(), error: request.failure()?.errorText });
  });
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (url.origin !== new URL(baseUrl).origin) return;
    report.responses[url.pathname] = { status: response.status(), headers: await response.allHeaders() };
  });

  // 1. The start page renders and the API call goes through the CSP.
  await page.goto(baseUrl + "/", { waitUntil: "networkidle" });
  await page.getByRole("heading", { name: "Example web app" }).waitFor({ timeout: 10000 });
  await page.getByTestId("api-status").getByText("API: green").waitFor({ timeout: 10000 });
  report.steps.home = await page.getByTestId("api-status").textContent();
  await page.screenshot({ path: screenshot, fullPage: true });

  // 2. The lazy route loads its chunk on navigation.
  const before = new Set(Object.keys(report.responses));
  await page.getByRole("link", { name: "About" }).click();
  await page.getByRole("heading", { name: "About" }).waitFor({ timeout: 10000 });
  report.steps.lazyChunks = Object.keys(report.responses).filter((path) => !before.has(path));
  report.steps.about = await page.getByTestId("build-info").textContent();

  // 3. A reload on the deep link gets the app shell, and the route renders from it.
  const reload = await page.reload({ waitUntil: "networkidle" });
  report.steps.deepLinkStatus = reload.status();
  await page.getByRole("heading", { name: "About" }).waitFor({ timeout: 10000 });

  // 4. An uncaught error reaches Sentry's ingest origin (allowed by connect-src).
  await page.evaluate(() => {
    setTimeout(() => {
      throw new Error("browser-tier test error");
    });
  });
  await page
    .waitForRequest((request) => request.url().startsWith(sentryOrigin), { timeout: 10000 })
    .catch(() => null);
  await page.waitForTimeout(500);
  report.steps.done = true;
} catch (error) {
  report.error = String(error?.stack || error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + "\n");

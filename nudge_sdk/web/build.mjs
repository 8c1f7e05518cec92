// Bundles src/ into one ES module: `npm run build` (after the type check).
// `node build.mjs OUTFILE` writes elsewhere: the Python test suite builds to a
// temporary file and compares it with the committed dist/nudge-elements.js.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));

await build({
  absWorkingDir: here,
  entryPoints: ["src/index.ts"],
  outfile: process.argv[2] ?? "dist/nudge-elements.js",
  bundle: true,
  format: "esm",
  target: "es2022",
  charset: "utf8",
  legalComments: "none",
  banner: {
    js: "// @nudge-sdk/elements: generated from src/ by `npm run build` in nudge_sdk/web; do not edit.",
  },
  logLevel: "warning",
});

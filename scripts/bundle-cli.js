/**
 * Bundles the `kms-policy` command, so that it starts fast: `node scripts/bundle-cli.js [OUT_DIR]`
 * (default dist/cli, which `npm run build` and so `npm pack` write; the unit tests bundle into
 * build/provider/cli). Writes, from the TypeScript sources:
 *   OUT_DIR/kms-policy.js       the executable (provider/cli/bin.ts; the package's `bin`)
 *   OUT_DIR/kms-policy-main.js  the command with validate, normalize, diff, check, access and the policy
 *                               engine they use, in one file (and its source map, .js.map)
 * Left out of the bundle, loaded only by the command that needs them: every package (node_modules:
 * the AWS SDK that only drift loads, the IAM data validate reads) and `drift`, which loads from tsc's
 * output beside the bundle (OUT_DIR/driftCommand.js and the modules it imports). The build fails when
 * the bundle would hold drift or import an SDK (so the quick commands never parse nor load them).
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const CLI_SOURCES = path.join(ROOT, "provider", "cli");
/** What the bundle must neither hold nor load: drift's command, and the SDKs (only drift needs AWS's). */
const DRIFT = "provider/cli/driftCommand.ts";
const SDKS = /^(@aws-sdk|@smithy|@pulumi)\//;

/** The files the bundle loads beside itself, by the name the sources import them by. */
const BESIDE = { "./main": "./kms-policy-main.js", "./driftCommand": "./driftCommand.js" };

const besidePlugin = {
  name: "beside",
  setup(build) {
    build.onResolve({ filter: /^\.\/(main|driftCommand)$/ }, (args) =>
      args.resolveDir === CLI_SOURCES ? { path: BESIDE[args.path], external: true } : undefined,
    );
  },
};

async function bundle(outDir) {
  const common = {
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    packages: "external",
    plugins: [besidePlugin],
    logLevel: "warning",
    absWorkingDir: ROOT,
  };
  await esbuild.build({ ...common, entryPoints: [path.join(CLI_SOURCES, "bin.ts")], outfile: path.join(outDir, "kms-policy.js") });
  const main = await esbuild.build({
    ...common,
    entryPoints: [path.join(CLI_SOURCES, "main.ts")],
    outfile: path.join(outDir, "kms-policy-main.js"),
    // Readable stack traces: not minified (names and lines as written), and the map for `node --enable-source-maps`.
    sourcemap: true,
    metafile: true,
  });
  const [output] = Object.values(main.metafile.outputs);
  const leaked = [
    ...Object.keys(main.metafile.inputs).filter((file) => file === DRIFT),
    ...output.imports.filter((i) => i.external && SDKS.test(i.path)).map((i) => i.path),
  ];
  if (leaked.length > 0) throw new Error(`the kms-policy bundle must not hold or load ${leaked.join(", ")}: only drift may, from its own file`);
  fs.chmodSync(path.join(outDir, "kms-policy.js"), 0o755);
}

bundle(path.resolve(process.argv[2] ?? path.join(ROOT, "dist", "cli"))).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * Bundles the `kms-policy` command, so that it starts fast: `node scripts/bundle-cli.js [OUT_DIR]`
 * (default dist/cli, which `npm run build` and so `npm pack` write; scripts/test.sh bundles into
 * build/provider/cli for the tests that run the command). One file per entry, from the TypeScript sources:
 *   OUT_DIR/kms-policy.js           the executable (provider/cli/bin.ts; the package's `bin`)
 *   OUT_DIR/kms-policy-main.js      the command table, flags and help (main.ts): all `--help` loads
 *   OUT_DIR/kms-policy-validate.js  validate, with the lint (validateCommand.ts)
 *   OUT_DIR/kms-policy-policy.js    normalize and diff (policyCommands.ts)
 *   OUT_DIR/kms-policy-access.js    check and access (accessCommands.ts)
 * each with its source map (.js.map: readable stack traces under `node --enable-source-maps`; the
 * code is not minified, so names and lines stay as written). A run loads the executable, the main
 * file and its command's file. Left out of every bundle: the packages (node_modules: the AWS SDK,
 * the IAM data validate reads) and `drift`, which loads from tsc's output beside them
 * (OUT_DIR/driftCommand.js, as before bundling). The build fails when a bundle would hold drift or
 * load an SDK: only drift may.
 * Each bundle holds its own copy of the small modules it uses: the command table, flags and io are in
 * the main file and again in each command's (about 10 KB of each bundle). They are not shared because
 * a shared file would be one more file to load at every start, which the bundles are there to avoid,
 * and the copies hold no state two of them could disagree on: only main's writes to stdout (io.ts
 * writeStdout), and a UsageError is recognised by name (args.ts isUsageError).
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..");
const CLI_SOURCES = path.join(ROOT, "provider", "cli");

/** The bundles: source module (as provider/cli's modules require it) to the file beside the others. */
const ENTRIES = {
  "./bin": "kms-policy.js",
  "./main": "kms-policy-main.js",
  "./validateCommand": "kms-policy-validate.js",
  "./policyCommands": "kms-policy-policy.js",
  "./accessCommands": "kms-policy-access.js",
};
/** Loaded from tsc's output beside the bundles, with the AWS SDK it needs. */
const UNBUNDLED = { "./driftCommand": "driftCommand.js" };
const BESIDE = { ...ENTRIES, ...UNBUNDLED };

/** What no bundle may hold or load: drift's command, and the SDKs (only drift needs AWS's). */
const DRIFT = "provider/cli/driftCommand.ts";
const SDKS = /^(@aws-sdk|@smithy|@pulumi)\//;

/**
 * provider/cli's modules that are files of their own stay out of the bundles that require them: the
 * command table's require of the command being bundled too, which would otherwise wrap the whole
 * bundle in lazy module initialisers that Node's compile cache does not keep.
 */
const besidePlugin = {
  name: "beside",
  setup(build) {
    build.onResolve({ filter: /^\.\/\w+$/ }, (args) =>
      args.resolveDir === CLI_SOURCES && BESIDE[args.path] ? { path: `./${BESIDE[args.path]}`, external: true } : undefined,
    );
  },
};

/**
 * `import * as fs from "fs"` of a Node built-in, bundled as `import fs = require("fs")`: the same
 * object for every use the sources make of it, without the copy of each of its properties that the
 * bundler's namespace helper makes at every start.
 */
const BUILTIN_NAMESPACE = /^import \* as (\w+) from "(fs|path|url|os|buffer|module|crypto|util)";$/gm;
const builtinsPlugin = {
  name: "builtins",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await fs.promises.readFile(args.path, "utf8")).replace(BUILTIN_NAMESPACE, 'import $1 = require("$2");'),
      loader: "ts",
    }));
  },
};

async function bundle(outDir) {
  for (const [entry, file] of Object.entries(ENTRIES)) {
    const result = await esbuild.build({
      entryPoints: [path.join(CLI_SOURCES, `${entry.slice(2)}.ts`)],
      outfile: path.join(outDir, file),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node22",
      packages: "external",
      plugins: [besidePlugin, builtinsPlugin],
      sourcemap: entry !== "./bin",
      metafile: true,
      logLevel: "warning",
      absWorkingDir: ROOT,
    });
    const [output] = Object.values(result.metafile.outputs);
    const leaked = [
      ...Object.keys(result.metafile.inputs).filter((input) => input === DRIFT),
      ...output.imports.filter((i) => i.external && SDKS.test(i.path)).map((i) => i.path),
    ];
    if (leaked.length > 0) throw new Error(`${file} must not hold or load ${leaked.join(", ")}: only drift may, from its own file`);
  }
  fs.chmodSync(path.join(outDir, ENTRIES["./bin"]), 0o755);
}

bundle(path.resolve(process.argv[2] ?? path.join(ROOT, "dist", "cli"))).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

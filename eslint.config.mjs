// ESLint with the TypeScript rules, run by `npm run lint` and by `npm test` (so by CI).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * One no-restricted-imports block per provider folder. The TypeScript rule also sees
 * `import x = require(...)`, which the resources use for the runtime's provider objects.
 */
function layers(table) {
  return Object.entries(table).map(([folder, { folders, packages = [] }]) => ({
    files: [`provider/${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            ...folders.map((f) => ({
              group: [`../${f}`, `../${f}/*`, `../../${f}`, `../../${f}/*`],
              message: `provider/${folder} must not import provider/${f} (the layers): move the shared fact down to a layer both may import.`,
            })),
            ...(packages.length > 0
              ? [{ group: packages, message: `provider/${folder} loads no ${packages.join(", ")} (the layers keep SDKs out of it).` }]
              : []),
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ["dist/", "build/", "node_modules/", "examples/**/node_modules/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      // Unused names are compile errors already (tsconfig noUnused*); `_`-prefixed ones are deliberate.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // The provider modules load some code lazily or from the program's own node_modules on purpose.
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-explicit-any": "error",
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  // The layers, checked rather than described: policy (pure, no SDK) at the bottom; aws (the one
  // layer that calls AWS) above it; verdict (what KMS's answers mean, for refresh and drift alike)
  // above both; drift and runtime above all three; resources (over runtime) and cli
  // (over drift) at the top. Each folder lists what it must never import. The root modules
  // (provider/*.ts) are facts the top layers share; so are the resources' field tables
  // (provider/fields), which import nothing, so that the resources load no SDK for them.
  ...layers({
    fields: {
      folders: ["policy", "aws", "verdict", "runtime", "resources", "drift", "cli"],
      packages: ["@aws-sdk/*", "@smithy/*", "@pulumi/*"],
    },
    policy: { folders: ["aws", "runtime", "resources", "drift", "cli"], packages: ["@aws-sdk/*", "@smithy/*", "@pulumi/*"] },
    aws: { folders: ["runtime", "resources", "drift", "cli"], packages: ["@pulumi/*"] },
    verdict: { folders: ["runtime", "resources", "drift", "cli"], packages: ["@pulumi/*"] },
    drift: { folders: ["runtime", "resources", "cli"], packages: ["@pulumi/*"] },
    runtime: { folders: ["resources", "drift", "cli"] },
    resources: { folders: ["drift", "cli"] },
    cli: { folders: ["runtime", "resources"], packages: ["@pulumi/*"] },
  }),
  // Runtime and drift code takes time from the Clock it is given (provider/clock.ts: now, after,
  // sleep), so that a test decides when a window closes and no wait needs real time to pass.
  {
    files: ["provider/runtime/**/*.ts", "provider/drift/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        ...["setTimeout", "setInterval", "setImmediate", "performance"].map((name) => ({
          name,
          message: "runtime/ and drift/ wait with sleep(clock, ms) on the injected Clock (provider/clock.ts), never on Node's timers.",
        })),
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "runtime/ and drift/ read the time from the injected Clock: clock.now()." },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "runtime/ and drift/ read the time from the injected Clock: new Date(clock.now()).",
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["examples/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

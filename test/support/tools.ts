import * as fs from "fs";
import * as path from "path";

/** Repo root, from build/test/support (compiled) or test/support (source). */
export const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) || !fs.existsSync(path.join(dir, "tsconfig.test.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the repository root above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();

/** A required tool; a missing one fails the test run (it is never a skip). */
export function requiredTool(envVar: string, what: string): string {
  const value = process.env[envVar];
  if (!value || !fs.existsSync(value)) {
    throw new Error(`${what} is missing (${envVar}=${value ?? "unset"}): run the tests with \`npm test\`, which installs it`);
  }
  return value;
}

export const LAUNCHER = path.join(REPO_ROOT, "build", "toolchain", "pulumi-node.js");

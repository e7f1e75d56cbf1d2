import { spawnSync } from "child_process";
import * as path from "path";

/**
 * The command as `npx kms-policy` runs it: the package's bin, bundled as `npm run build` bundles it to
 * dist/ (scripts/test.sh bundles it beside the compiled tests: scripts/bundle-cli.js).
 */
export const CLI = path.resolve(__dirname, "../../../provider/cli/kms-policy.js");

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kms-policy ARGS...` as a child process, as CI does (`script`: another file of the command to run
 * with node, CLI by default); never a real AWS endpoint (scripts/test.sh points AWS_* at nothing).
 */
export function run(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; script?: string } = {}): Run {
  const r = spawnSync(process.execPath, [options.script ?? CLI, ...args], {
    encoding: "utf8",
    cwd: options.cwd,
    input: options.input,
    env: options.env ?? process.env,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

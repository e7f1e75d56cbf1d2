import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT, requiredTool } from "./tools";

/**
 * The Node.js and @pulumi/pulumi lines the compatibility matrix runs. Each fact has its home in a
 * file a user or a build reads (package.json, scripts/toolchain.sh); these functions read them.
 */

interface PackageJson {
  engines: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

function packageJson(): PackageJson {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as PackageJson;
}

function floorOf(range: string, what: string): string {
  const floor = /(?:^|\s)>=(\d+(?:\.\d+\.\d+)?)/.exec(range);
  if (!floor) throw new Error(`${what} "${range}" has no >= floor`);
  return floor[1];
}

/** The first release below the supported range, for the "unsupported SDK" test. */
export const BELOW_SUPPORTED_SDK = "3.215.0";

/**
 * The active LTS line of Node.js (Node 26 since October 2026, by Node's release schedule): the
 * newest SDK runs on it, the way `pulumi new typescript` sets a project up today.
 */
export const ACTIVE_LTS_NODE = 26;

/** The peer range package.json declares for @pulumi/pulumi (the one home of that fact). */
export function supportedSdkRange(): string {
  return packageJson().peerDependencies["@pulumi/pulumi"];
}

/** The floor of that range: the oldest release the matrix runs. */
export function oldestSupportedSdk(): string {
  return floorOf(supportedSdkRange(), "the @pulumi/pulumi peer range");
}

/**
 * The @pulumi/pulumi this repository's own tests pin (package.json devDependencies). It follows the
 * newest release, so it is also the newest SDK the matrix runs; the CLI is built at the same version
 * and the demo installs it too.
 */
export function pinnedSdkVersion(): string {
  return packageJson().devDependencies["@pulumi/pulumi"];
}

/** The oldest Node.js major this package supports: the floor of package.json's engines.node. */
export function oldestSupportedNode(): number {
  return Number(floorOf(packageJson().engines.node, "package.json's engines.node"));
}

/** The toolchain's Node.js of one major line (scripts/toolchain.sh fetches 22 and 26). */
export function nodeOfLine(major: number): string {
  return requiredTool(`PULUMI_KMS_POLICY_NODE${major}`, `Node.js ${major}`);
}

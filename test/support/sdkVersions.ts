import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "./tools";

/**
 * The newest `@pulumi/pulumi` release the compatibility matrix runs (what `pulumi new typescript`
 * installs today). Raise it, and the README's supported-versions table, together.
 */
export const NEWEST_CHECKED_SDK = "3.270.0";

/** The first release below the supported range, for the "unsupported SDK" test. */
export const BELOW_SUPPORTED_SDK = "3.215.0";

/** The peer range package.json declares for @pulumi/pulumi (the one home of that fact). */
export function supportedSdkRange(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
  return pkg.peerDependencies["@pulumi/pulumi"];
}

/** The floor of that range: the oldest release the matrix runs. */
export function oldestSupportedSdk(): string {
  const floor = /(?:^|\s)>=(\d+\.\d+\.\d+)/.exec(supportedSdkRange());
  if (!floor) throw new Error(`the @pulumi/pulumi peer range "${supportedSdkRange()}" has no >= floor`);
  return floor[1];
}

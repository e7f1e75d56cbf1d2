/**
 * This package's own package.json, for the CLI's version and the SDK range the resources support.
 * Pure apart from reading files; shared by layers that may not import each other (cli, resources).
 */
import * as fs from "fs";
import * as path from "path";

/** The package's name, as its package.json and npm know it. */
export const PACKAGE_NAME = "pulumi-kms-policy";

/** The fields of package.json this package reads. */
export interface OwnPackageJson {
  name: string;
  version?: string;
  peerDependencies?: Record<string, string>;
}

/**
 * The nearest package.json above `from` (this module's directory: dist/ once installed, build/provider
 * in a checkout) whose name is this package's; undefined when there is none. A directory whose
 * package.json is missing or unreadable is passed over.
 */
export function ownPackageJson(from: string = __dirname): OwnPackageJson | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Partial<OwnPackageJson>;
      if (pkg.name === PACKAGE_NAME) return pkg as OwnPackageJson;
    } catch {
      // not here; look one level up
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

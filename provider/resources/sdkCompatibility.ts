/**
 * Guards the one requirement a Pulumi library has of the program that loads it: a single copy of
 * `@pulumi/pulumi`, in the version range this package supports (package.json's peerDependencies,
 * the one home of that range). A second copy, or one outside the range, would otherwise fail later
 * and obscurely, e.g. with "Request message serialization failure: Expected argument of type
 * pulumirpc.RegisterResourceRequest" from gRPC. Checked once, at the program's first KeyPolicy or Grant.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PACKAGE_NAME, ownPackageJson } from "../ownPackage";

const SDK = "@pulumi/pulumi";

/** One installed copy of the SDK. */
export interface SdkCopy {
  version: string;
  /** The directory of its package.json. */
  dir: string;
}

/** major, minor, patch, and whether it is a pre-release (which sorts before its release, as in npm). */
type Version = [number, number, number, boolean];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || Number(b[3]) - Number(a[3]);
}

/**
 * Whether `version` satisfies `range`, written as space-separated comparators (`>=3.216.0 <4`),
 * the only form this package's own peerDependencies use. A pre-release sorts before its release.
 */
export function satisfiesRange(version: string, range: string): boolean {
  const v = parseVersion(version);
  if (!v) return false;
  return range
    .trim()
    .split(/\s+/)
    .every((comparator) => {
      const m = /^(>=|<=|>|<|=)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(comparator);
      if (!m) throw new Error(`unsupported version comparator "${comparator}" in ${PACKAGE_NAME}'s peerDependencies`);
      const bound: Version = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0), false];
      const c = compare(v, bound);
      switch (m[1] ?? "=") {
        case ">=":
          return c >= 0;
        case ">":
          return c > 0;
        case "<=":
          return c <= 0;
        case "<":
          return c < 0;
        default:
          return c === 0;
      }
    });
}

/**
 * What is wrong, given every copy of the SDK loaded in this process (`loaded`, the one this package
 * uses among them) and the supported `range`; undefined when all is well.
 */
export function sdkProblem(ours: SdkCopy, loaded: SdkCopy[], range: string): string | undefined {
  const others = loaded.filter((copy) => copy.dir !== ours.dir);
  if (others.length > 0) {
    const list = [ours, ...others].map((c) => `${c.version} at ${c.dir}`).join(" and ");
    return (
      `${PACKAGE_NAME} found ${others.length + 1} copies of ${SDK} loaded in one program (${list}); ` +
      `it must share the program's one copy, in ${range}: install ${PACKAGE_NAME} and ${SDK} in the same project so that npm dedupes them ` +
      `(with npm link, link ${SDK} too, or install ${PACKAGE_NAME} from its tarball)`
    );
  }
  if (!satisfiesRange(ours.version, range)) {
    return `${PACKAGE_NAME} supports ${SDK} ${range}, but the program loads ${ours.version} (${ours.dir}): install a supported version (npm install ${SDK}@"${range}")`;
  }
  return undefined;
}

function readCopy(dir: string): SdkCopy {
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };
  return { version, dir: fs.realpathSync(dir) };
}

const SDK_ROOT = new RegExp(`^(.*[\\\\/]node_modules[\\\\/]@pulumi[\\\\/]pulumi)[\\\\/]`);

/**
 * The SDK copies this process has loaded modules from, by real path: what the program really runs,
 * wherever its working directory is (an Automation API program, a monorepo).
 */
export function loadedSdkCopies(modulePaths: string[] = Object.keys(require.cache)): SdkCopy[] {
  const roots = new Map<string, SdkCopy>();
  for (const file of modulePaths) {
    const root = SDK_ROOT.exec(file)?.[1];
    if (!root || roots.has(root)) continue;
    try {
      const copy = readCopy(root);
      if (![...roots.values()].some((c) => c.dir === copy.dir)) roots.set(root, copy);
    } catch {
      // not an SDK root after all (no package.json there)
    }
  }
  return [...roots.values()];
}

export function supportedSdkRange(): string {
  const pkg = ownPackageJson();
  if (!pkg) throw new Error(`cannot find ${PACKAGE_NAME}'s package.json above ${__dirname}`);
  const range = pkg.peerDependencies?.[SDK];
  if (!range) throw new Error(`${PACKAGE_NAME}'s package.json declares no peer dependency on ${SDK}`);
  return range;
}

let checked: string | undefined | null = null;

/**
 * The problem with the SDK in use, or undefined; computed once per process. A guard that cannot
 * find its facts (a bundled program, an SDK whose layout changed) stays silent: it exists to
 * explain failures, never to cause one.
 */
export function installedSdkProblem(): string | undefined {
  if (checked !== null) return checked;
  try {
    const ours = readCopy(path.dirname(require.resolve(`${SDK}/package.json`)));
    checked = sdkProblem(ours, loadedSdkCopies(), supportedSdkRange());
  } catch {
    checked = undefined;
  }
  return checked;
}

/**
 * Throws one line naming the installed and the supported versions when the SDK cannot work. A
 * RunError, so that Pulumi prints the message without a stack trace.
 */
export function assertSupportedSdk(): void {
  const problem = installedSdkProblem();
  if (problem) throw new pulumi.RunError(problem);
}

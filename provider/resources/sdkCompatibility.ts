/**
 * Guards the one requirement a Pulumi library has of the program that loads it: a single copy of
 * `@pulumi/pulumi`, in the version range this package supports (package.json's peerDependencies,
 * the one home of that range). A second copy, or one outside the range, would otherwise fail later
 * and obscurely, e.g. with "Request message serialization failure: Expected argument of type
 * pulumirpc.RegisterResourceRequest" from gRPC. Checked once, at the program's first KeyPolicy or Grant.
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";

const PACKAGE_NAME = "pulumi-kms-policy";
const SDK = "@pulumi/pulumi";

/** One installed copy of the SDK. */
export interface SdkCopy {
  version: string;
  /** The directory of its package.json. */
  dir: string;
}

type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Whether `version` satisfies `range`, written as space-separated comparators (`>=3.216.0 <4`),
 * the only form this package's own peerDependencies use. A pre-release counts as its release.
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
      const bound: Version = [Number(m[2]), Number(m[3] ?? 0), Number(m[4] ?? 0)];
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
 * What is wrong with the SDK this package loads (`ours`) given the one the program loads
 * (`program`, when it can be found) and the supported `range`; undefined when all is well.
 */
export function sdkProblem(ours: SdkCopy, program: SdkCopy | undefined, range: string): string | undefined {
  const fix = `install a supported version in the program (npm install ${SDK}@"${range}") and run npm dedupe`;
  if (program && fs.realpathSync(program.dir) !== fs.realpathSync(ours.dir)) {
    return (
      `${PACKAGE_NAME} loads a second copy of ${SDK} (${ours.version} at ${ours.dir}) beside the program's ` +
      `(${program.version} at ${program.dir}); it supports ${range} and must share the program's copy: ${fix}`
    );
  }
  if (!satisfiesRange(ours.version, range)) {
    return `${PACKAGE_NAME} supports ${SDK} ${range}, but the program loads ${ours.version} (${ours.dir}): ${fix}`;
  }
  return undefined;
}

function readCopy(packageJson: string): SdkCopy {
  const { version } = JSON.parse(fs.readFileSync(packageJson, "utf8")) as { version: string };
  return { version, dir: path.dirname(packageJson) };
}

/** This package's own package.json, found upwards from this module (dist/ or a build dir). */
function ownPackageJson(): { peerDependencies?: Record<string, string> } {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "package.json");
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, "utf8")) as { name?: string; peerDependencies?: Record<string, string> };
      if (pkg.name === PACKAGE_NAME) return pkg;
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${PACKAGE_NAME}'s package.json above ${__dirname}`);
  }
}

export function supportedSdkRange(): string {
  const range = ownPackageJson().peerDependencies?.[SDK];
  if (!range) throw new Error(`${PACKAGE_NAME}'s package.json declares no peer dependency on ${SDK}`);
  return range;
}

let checked: string | undefined | null = null;

/**
 * The problem with the SDK in use, or undefined; computed once per process. The program's copy is
 * the one its working directory resolves: Pulumi runs a program from its project directory.
 */
export function installedSdkProblem(): string | undefined {
  if (checked !== null) return checked;
  const ours = readCopy(require.resolve(`${SDK}/package.json`));
  let program: SdkCopy | undefined;
  try {
    program = readCopy(require.resolve(`${SDK}/package.json`, { paths: [process.cwd()] }));
  } catch {
    program = undefined; // run from elsewhere (a test, a script): only the range can be checked
  }
  checked = sdkProblem(ours, program, supportedSdkRange());
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

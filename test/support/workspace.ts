import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GRANT_TYPE } from "../../provider/resourceTypes";
import { defaultGrantName } from "../../provider/resources/grant";
import { MotoServer } from "../../toolchain/moto";
import { FaultProxy } from "./faultProxy";
import { FaithfulOptions } from "./kmsFaithful";
import { pinnedSdkVersion } from "./sdkVersions";
import { LAUNCHER, REPO_ROOT, requiredTool } from "./tools";

/**
 * An e2e workspace: this package installed from `npm pack` as a real copy (the way users get it),
 * a local file backend, and helpers to run the real pulumi CLI on programs that use the package.
 */
export interface PulumiResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on what a person sees. */
  output: string;
}

export interface WorkspaceOptions {
  /** The program's own @pulumi/pulumi version; default: this repo's pinned devDependency. */
  sdkVersion?: string;
  /** Node.js binary for the whole run; default: the one running the tests. */
  node?: string;
  /** A project directory to copy as the workspace (e.g. examples/typescript). */
  template?: string;
  /** Extra `npm install` flags, e.g. `--legacy-peer-deps` to install what npm would refuse. */
  installFlags?: string[];
  /**
   * Run every KMS call of the workspace through the proxy in its KMS-faithful mode (see
   * test/support/kmsFaithful.ts). Default: the mode named by PULUMI_KMS_POLICY_TEST_KMS=faithful,
   * with FAITHFUL_DEFAULTS; otherwise plain moto.
   */
  faithful?: FaithfulOptions | false;
}

/** The faithful mode that PULUMI_KMS_POLICY_TEST_KMS=faithful turns on for every workspace. */
export const FAITHFUL_DEFAULTS: FaithfulOptions = { pageSize: 5, grantListingDelayMs: 2000, policyPropagationMs: 2000 };

/** One run of an e2e suite that runs twice: on moto as it is, and through the proxy's KMS-faithful mode. */
export interface KmsMode {
  name: string;
  faithful: FaithfulOptions | false;
}
export const KMS_MODES: readonly KmsMode[] = [
  { name: "moto", faithful: false },
  { name: "the KMS-faithful mode", faithful: FAITHFUL_DEFAULTS },
];

/** The faithful options for a workspace: its own, else the environment's choice. */
export function faithfulMode(option: FaithfulOptions | false | undefined): FaithfulOptions | undefined {
  if (option === false) return undefined;
  return option ?? (process.env.PULUMI_KMS_POLICY_TEST_KMS === "faithful" ? FAITHFUL_DEFAULTS : undefined);
}

let packed: string | undefined;

/** Packs the package once per test run (npm pack runs the build through `prepack`). */
export function packPackage(): string {
  if (packed) return packed;
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-pack-"));
  process.on("exit", () => fs.rmSync(dest, { recursive: true, force: true }));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: REPO_ROOT, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop() as string;
  packed = path.join(dest, out);
  return packed;
}

export class Workspace {
  readonly dir: string;
  readonly backend: string;
  private readonly pulumiBin: string;

  private constructor(
    dir: string,
    readonly moto: MotoServer,
    /** The Node.js binary that runs pulumi's launcher, the program and the dynamic providers. */
    readonly node: string,
    /** In the KMS-faithful mode: the proxy every KMS call of the workspace goes through. */
    readonly proxy?: FaultProxy,
  ) {
    this.dir = dir;
    this.backend = path.join(dir, ".state");
    fs.mkdirSync(this.backend, { recursive: true });
    this.pulumiBin = requiredTool("PULUMI_KMS_POLICY_PULUMI", "the pulumi CLI");
  }

  /**
   * Every file the backend holds (states, checkpoints, backups, history), as one text: a test of
   * secrets asserts that no value it knows is in it. Read as latin1, which maps every byte to a
   * character, so a binary or non-UTF-8 file hides nothing.
   */
  backendText(): string {
    const read = (dir: string): string =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .map((entry) => (entry.isDirectory() ? read(path.join(dir, entry.name)) : fs.readFileSync(path.join(dir, entry.name), "latin1")))
        .join("");
    return read(this.backend);
  }

  /**
   * A temp dir whose node_modules holds the packed package and a @pulumi/pulumi of the program's
   * own: this repo's pinned devDependency unless `options.sdkVersion` says otherwise. With
   * `options.template`, the workspace is a copy of that project directory (a program as a user lays
   * it out), and the package is installed into it as a user would: `npm install TARBALL`.
   */
  static async create(moto: MotoServer, options: WorkspaceOptions = {}): Promise<Workspace> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-e2e-"));
    const tarball = packPackage();
    const sdkVersion = options.sdkVersion ?? pinnedSdkVersion();
    const npm = (args: string[]) =>
      execFileSync("npm", [...args, ...(options.installFlags ?? []), "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
      });
    if (options.template) {
      fs.cpSync(options.template, dir, {
        recursive: true,
        filter: (src) => !/node_modules|\.state|\.pulumi-home/.test(path.relative(options.template as string, src)),
      });
      npm(["install", tarball, `@pulumi/pulumi@${sdkVersion}`]);
    } else {
      fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify(
          { name: "e2e-programs", private: true, dependencies: { "pulumi-kms-policy": `file:${tarball}`, "@pulumi/pulumi": sdkVersion } },
          null,
          2,
        ),
      );
      npm(["install"]);
    }
    const installed = path.join(dir, "node_modules", "pulumi-kms-policy");
    if (fs.lstatSync(installed).isSymbolicLink()) throw new Error(`${installed} is a symlink; the e2e tests need a real copy`);
    const faithful = faithfulMode(options.faithful);
    const proxy = faithful ? await new FaultProxy(moto.endpoint, 1, faithful).start() : undefined;
    return new Workspace(dir, moto, options.node ?? process.execPath, proxy);
  }

  /** Every copy of @pulumi/pulumi installed in the workspace, by package.json path (one in a user's tree). */
  sdkCopies(): Array<{ path: string; version: string }> {
    const found: Array<{ path: string; version: string }> = [];
    const walk = (nodeModules: string) => {
      if (!fs.existsSync(nodeModules)) return;
      const sdk = path.join(nodeModules, "@pulumi", "pulumi", "package.json");
      if (fs.existsSync(sdk)) found.push({ path: sdk, version: (JSON.parse(fs.readFileSync(sdk, "utf8")) as { version: string }).version });
      for (const entry of fs.readdirSync(nodeModules)) {
        const scoped = entry.startsWith("@") ? fs.readdirSync(path.join(nodeModules, entry)).map((e) => path.join(entry, e)) : [entry];
        for (const name of scoped) walk(path.join(nodeModules, name, "node_modules"));
      }
    };
    walk(path.join(this.dir, "node_modules"));
    return found;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.moto.awsEnv,
      ...(this.proxy ? { AWS_ENDPOINT_URL_KMS: this.proxy.endpoint } : {}),
      PULUMI_BACKEND_URL: `file://${this.backend}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-only-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: path.join(this.dir, ".pulumi-home"),
      PULUMI_KMS_POLICY_PULUMI: this.pulumiBin,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      NO_COLOR: "1",
      // The dynamic-provider plugin is a script that runs the first `node` on PATH.
      PATH: `${path.dirname(this.node)}${path.delimiter}${process.env.PATH ?? ""}`,
      ...extra,
    };
  }

  /** The workspace itself as the project (a copied template). */
  root(): Project {
    return new Project(this, this.dir);
  }

  /** A program directory inside the workspace (it resolves the workspace's node_modules). */
  project(name: string, program: string): Project {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime: nodejs\nmain: index.js\n`);
    fs.writeFileSync(path.join(dir, "index.js"), program);
    return new Project(this, dir);
  }

  /**
   * Deletes the workspace, first ending any process still running from it: a test that kills
   * `pulumi up` mid-way leaves its provider plugins behind (they are not in its process group).
   */
  remove(): void {
    void this.proxy?.stop();
    for (const pid of processesUsing(this.dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Processes whose command line mentions `dir` (Linux /proc). */
function processesUsing(dir: string): number[] {
  if (!fs.existsSync("/proc")) return [];
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

export class Project {
  constructor(
    readonly workspace: Workspace,
    readonly dir: string,
  ) {}

  /** Runs `pulumi ARGS` through the launcher in this project; never throws on a non-zero exit. */
  pulumi(args: string[], extraEnv: Record<string, string> = {}): Promise<PulumiResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.workspace.node, [LAUNCHER, ...args, "--non-interactive"], {
        cwd: this.dir,
        env: this.workspace.env(extraEnv),
      });
      let stdout = "";
      let stderr = "";
      let output = "";
      child.stdout.on("data", (d: Buffer) => ((stdout += d), (output += d)));
      child.stderr.on("data", (d: Buffer) => ((stderr += d), (output += d)));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr, output }));
    });
  }

  /**
   * Starts `pulumi ARGS` in its own process group, so that a test can kill the whole run mid-way.
   * `kill` kills that group; the CLI starts each plugin (the dynamic providers among them) in a
   * process group of its own, which outlives it and may finish its calls. `killTree` kills every
   * process descended from the run as well, as a CI job's timeout or an OOM kill of the machine does.
   */
  start(args: string[], extraEnv: Record<string, string> = {}): { kill(): void; killTree(): void; exited: Promise<number | null> } {
    const child = spawn(this.workspace.node, [LAUNCHER, ...args, "--non-interactive"], {
      cwd: this.dir,
      env: this.workspace.env(extraEnv),
      detached: true,
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const kill = () => process.kill(-(child.pid as number), "SIGKILL");
    const killTree = () => {
      const pids = descendants(child.pid as number);
      kill();
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone with its group
        }
      }
    };
    return { kill, killTree, exited };
  }

  /** Like pulumi(), but a non-zero exit is a test failure that shows the CLI's output. */
  async ok(args: string[], extraEnv: Record<string, string> = {}): Promise<PulumiResult> {
    const result = await this.pulumi(args, extraEnv);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${result.output}`);
    return result;
  }

  async initStack(stack = "e2e"): Promise<void> {
    await this.ok(["stack", "init", stack]);
    await this.ok(["config", "set", "aws:region", "us-east-1"]);
  }

  /** The deployment as `pulumi stack export` gives it (secrets encrypted). */
  async exportStack(showSecrets = false): Promise<StackExport> {
    const result = await this.ok(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])]);
    return JSON.parse(result.stdout) as StackExport;
  }

  writeFile(name: string, content: string): void {
    fs.writeFileSync(path.join(this.dir, name), content);
  }
}

export interface StackResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** Set when a create or update failed after it had changed something (ErrorResourceInitFailed). */
  initErrors?: string[];
}

export interface StackExport {
  deployment: { resources?: StackResource[] };
}

export function resourcesOfType(exported: StackExport, type: string): StackResource[] {
  return (exported.deployment.resources ?? []).filter((r) => r.type === type);
}

/** The default grant name (resources/grant.ts) of a Grant declared at the top of a program, by project, stack and resource name. */
export function defaultNameOf(project: string, resource: string, stack = "e2e"): string {
  return defaultGrantName(`urn:pulumi:${stack}::${project}::${GRANT_TYPE}::${resource}`);
}

/** Every process descended from `root` (children, their children, ...), from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name, in parentheses, may hold spaces: the fields after its closing one.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of parents) {
      if (ppid === parent && !found.includes(pid)) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/**
 * Runs the real pulumi CLI on a Node.js program in the current directory:
 *   node build/toolchain/pulumi-node.js up --yes --stack dev
 *
 * Why this exists: the pulumi CLI normally starts its Node.js language host plugin
 * (pulumi-language-nodejs), a separate Go module. The Go module proxy reachable here serves
 * pkg/v3 (the CLI) but refuses that module at every version, so it cannot be built. The CLI has a
 * supported alternative, used by every Automation API inline program: it connects to a language
 * runtime that is already listening (`--client=ADDR`). This launcher starts @pulumi/pulumi's own
 * LanguageServer (resolved from the program's node_modules, so the program and the runtime share
 * one copy of the SDK), points the CLI at it, and exits with the CLI's exit code. Every other
 * argument, the output and the exit code are the CLI's own.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

const commandsThatRunTheProgram = new Set(["up", "update", "preview", "pre", "refresh", "destroy", "down"]);

function pulumiBinary(): string {
  return process.env.PULUMI_KMS_POLICY_PULUMI || "pulumi";
}

/** The `main` of Pulumi.yaml, resolved like the Node.js language host does (default: the project dir). */
export function programEntry(projectDir: string): string {
  const yamlPath = path.join(projectDir, "Pulumi.yaml");
  const text = fs.readFileSync(yamlPath, "utf8");
  const match = /^main:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(text);
  return path.resolve(projectDir, match ? match[1] : ".");
}

function firstCommand(args: string[]): string | undefined {
  return args.find((a) => !a.startsWith("-"));
}

function forgetProjectModules(projectDir: string): void {
  const prefix = projectDir + path.sep;
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(prefix) && !file.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[file];
  }
}

/**
 * The language host runs every program with TypeScript support unless Pulumi.yaml says
 * `runtime: { name: nodejs, options: { typescript: false } }` (it then sets PULUMI_NODEJS_TYPESCRIPT).
 */
export function typeScriptEnabled(projectDir: string): boolean {
  if (process.env.PULUMI_NODEJS_TYPESCRIPT !== undefined) return process.env.PULUMI_NODEJS_TYPESCRIPT === "true";
  const yaml = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
  return !/^\s+typescript:\s*false\s*$/m.test(yaml);
}

let typeScriptRegistered = false;

/**
 * Registers ts-node as the SDK's own `cmd/run` does for a CommonJS program: the program's
 * `typescript` and `ts-node` if it has them, else the copies vendored in @pulumi/pulumi; the
 * project's tsconfig.json (or PULUMI_NODEJS_TSCONFIG_PATH); type-checking unless
 * PULUMI_NODEJS_TRANSPILE_ONLY=true or the tsconfig's `noCheck`; `nodenext` modules from
 * TypeScript 4.7 on. Once per process: preview and update run in the same one here.
 */
function registerTypeScript(fromProgram: (id: string) => string): void {
  if (typeScriptRegistered) return;
  typeScriptRegistered = true;
  const tsutils = require(fromProgram("@pulumi/pulumi/tsutils")) as {
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
  };
  const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
  const transpileOnlyEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
  const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : (compilerOptions.noCheck as boolean | undefined);
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const ts = require(typescriptRequire) as { version: string };
  const [major, minor] = ts.version.split(".").map(Number);
  const nodeNext = major > 4 || (major === 4 && minor >= 7);
  const tsNode = require(tsnodeRequire) as { register(options: Record<string, unknown>): void };
  tsNode.register({
    compiler: typescriptRequire,
    transpileOnly,
    project: tsConfigPath,
    skipProject: !fs.existsSync(tsConfigPath),
    compilerOptions: {
      target: "ES2020",
      module: nodeNext ? "nodenext" : "commonjs",
      moduleResolution: nodeNext ? "nodenext" : "node",
      sourceMap: "true",
      ...compilerOptions,
    },
  });
}

async function startLanguageRuntime(projectDir: string): Promise<{ address: string; onExit(failed: boolean): void }> {
  const entry = programEntry(projectDir);
  // The SDK the program itself loads, so that the runtime and the program share its state.
  const programDir = fs.statSync(entry).isDirectory() ? entry : path.dirname(entry);
  const fromProgram = (id: string): string => require.resolve(id, { paths: [programDir] });
  const grpc = require(fromProgram("@grpc/grpc-js")) as typeof import("@grpc/grpc-js");
  const { LanguageServer } = require(fromProgram("@pulumi/pulumi/automation/server")) as {
    LanguageServer: new (program: () => Promise<unknown>) => object & { onPulumiExit(hasError: boolean): void };
  };
  const langrpc = require(fromProgram("@pulumi/pulumi/proto/language_grpc_pb")) as {
    LanguageRuntimeService: import("@grpc/grpc-js").ServiceDefinition;
  };
  const { grpcChannelOptions } = require(fromProgram("@pulumi/pulumi/runtime")) as {
    grpcChannelOptions: import("@grpc/grpc-js").ChannelOptions;
  };
  if (typeScriptEnabled(projectDir)) registerTypeScript(fromProgram);
  const program = async (): Promise<unknown> => {
    // `pulumi up` runs the program twice in this process (preview, then update). The language
    // host proper starts a fresh node each time; here the project's own modules are evicted from
    // the require cache instead, so they run again. node_modules stay: the SDK's state must not.
    forgetProjectModules(projectDir);
    // Same contract as `pulumi-language-nodejs`: a module whose export is a function (or a
    // `default` function) is called and awaited; its result, or the exports, are stack outputs.
    const exported = require(entry) as unknown;
    const candidate = (exported as { default?: unknown })?.default ?? exported;
    return typeof candidate === "function" ? await (candidate as () => unknown)() : exported;
  };
  const server = new grpc.Server(grpcChannelOptions);
  const languageServer = new LanguageServer(program);
  server.addService(langrpc.LanguageRuntimeService, languageServer as unknown as import("@grpc/grpc-js").UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    onExit(failed: boolean) {
      try {
        languageServer.onPulumiExit(failed);
      } finally {
        server.forceShutdown();
      }
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const projectDir = process.cwd();
  const command = firstCommand(args);
  const env = { ...process.env };
  let runtime: { address: string; onExit(failed: boolean): void } | undefined;
  const cliArgs = [...args];
  if (command && commandsThatRunTheProgram.has(command)) {
    runtime = await startLanguageRuntime(projectDir);
    cliArgs.push(`--client=${runtime.address}`);
  }
  const child = spawn(pulumiBinary(), cliArgs, { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("error", (err) => {
    console.error(`pulumi-node: cannot run ${pulumiBinary()}: ${err.message}`);
    process.exit(127);
  });
  child.on("exit", (code, signal) => {
    const exitCode = code ?? (signal ? 128 : 1);
    try {
      runtime?.onExit(exitCode !== 0);
    } catch (err) {
      console.error(`pulumi-node: ${(err as Error).message}`);
    }
    process.exit(exitCode);
  });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`pulumi-node: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}

import * as pulumi from "@pulumi/pulumi";

/**
 * Runs the resource classes (provider/resources) in this process on Pulumi's runtime mocks
 * (`pulumi.runtime.setMocks`): what a program declares, registers, refuses and warns about, without
 * the pulumi CLI. The provider's CRUD never runs here (that is runtime's, tested through the provider
 * objects); the engine's answer to each registration is `outputs` below.
 */

/** One resource the program registered, as the engine received it. */
export interface Registration {
  type: string;
  name: string;
  /** The inputs sent to the engine; a secret stays wrapped (see isSecretInput). */
  inputs: Record<string, unknown>;
  /** The dynamic provider object the resource serialized (the module's export, compared by identity). */
  provider: unknown;
}

// Pulumi's wire signature of a secret value (sdk/nodejs/runtime/rpc.ts: specialSigKey, specialSecretSig).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** True when an input reached the engine as a secret. */
export function isSecretInput(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * A dynamic resource serializes its provider's code into its inputs. Outside an installed package
 * (these tests load the sources from build/) the closure serializer walks the whole module graph and
 * fails, so the tests swap it for one that names the provider object, which the assertions compare.
 */
const serializeClosure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
  serializeFunction: (f: () => unknown, options?: unknown) => Promise<{ text: string; containsSecrets: boolean }>;
};
const providers: unknown[] = [];
const realSerialize = serializeClosure.serializeFunction;
const log = require("@pulumi/pulumi/log") as { warn: (message: string, resource?: pulumi.Resource) => void };
const realWarn = log.warn;

/** One run of a program on the mocks: its registrations, warnings and the errors it failed with. */
export class MockRun {
  readonly registrations: Registration[] = [];
  readonly warnings: string[] = [];
  readonly errors: Error[] = [];

  /** The registration of `name`; fails when there is none, or more than one. */
  registration(name: string): Registration {
    const found = this.registrations.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one registration of ${name}, got ${found.length}`);
    return found[0];
  }
}

let current: MockRun | undefined;
let savedConfig: string | undefined;
let listeners: NodeJS.UnhandledRejectionListener[] = [];
// One error may reject several promises derived from the apply that threw it: kept once.
const onRejection = (reason: unknown) => {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  if (current && !current.errors.includes(error)) current.errors.push(error);
};

export interface ProgramOptions {
  /** Stack settings, e.g. `{ "kms-policy:failOn": "warning" }`. */
  config?: Record<string, string>;
  /** The engine's answer to a registration, beside its inputs: the provider's outputs. */
  outputs?: (type: string, inputs: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * Runs `program` as one run of a Pulumi program (its own Stack resource, as each run of the
 * Automation API has) on the mocks, with `options.config` as the stack settings. pulumi.log.warn
 * and the errors the program's applies throw (a program fails on them) are collected in the result.
 */
export async function runProgram(program: () => void | Promise<void>, options: ProgramOptions = {}): Promise<MockRun> {
  const run = await startMockRun(options.config, options.outputs);
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      await program();
    });
    await turns();
    return run;
  } finally {
    endMockRun();
  }
}

async function startMockRun(
  config: Record<string, string> = {},
  outputs: (type: string, inputs: Record<string, unknown>) => Record<string, unknown> = () => ({}),
): Promise<MockRun> {
  const run = new MockRun();
  current = run;
  savedConfig = process.env.PULUMI_CONFIG;
  pulumi.runtime.setAllConfig(config);
  serializeClosure.serializeFunction = async (f) => {
    const provider = f();
    if (!providers.includes(provider)) providers.push(provider);
    return { text: `provider#${providers.indexOf(provider)}`, containsSecrets: false };
  };
  log.warn = (message) => void run.warnings.push(message);
  listeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const provider = typeof args.inputs.__provider === "string" ? providers[Number(args.inputs.__provider.split("#")[1])] : undefined;
        run.registrations.push({ type: args.type, name: args.name, inputs: args.inputs, provider });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...outputs(args.type, args.inputs) } };
      },
      call: () => ({}),
    },
    "app",
    "dev",
    false,
  );
  return run;
}

/** Ends the run: the real serializer, log and rejection handlers, the saved config. */
function endMockRun(): void {
  current = undefined;
  serializeClosure.serializeFunction = realSerialize;
  log.warn = realWarn;
  process.removeListener("unhandledRejection", onRejection);
  for (const listener of listeners) process.on("unhandledRejection", listener);
  listeners = [];
  if (savedConfig === undefined) delete process.env.PULUMI_CONFIG;
  else process.env.PULUMI_CONFIG = savedConfig;
}

/** The value of an output once known (the mocks resolve every output of a non-preview run). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** A few turns of the event loop: the applies that check across resources, and their rejections, run. */
async function turns(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

import type * as dynamic from "@pulumi/pulumi/dynamic";
import { CheckFailure } from "./check";
import { createForHost } from "./initFailure";
import { ProviderContext } from "./context";
import { ProviderSettings } from "./settings";

/** The operations a resource's lifecycle carries out against KMS, in the state's terms. */
export interface ResourceLifecycle<I, O> {
  diff(olds: O, news: I): dynamic.DiffResult | Promise<dynamic.DiffResult>;
  create(inputs: I): Promise<{ id: string; outs: O }>;
  read(id: string, props: O): Promise<{ id?: string; props?: O; inputs?: I }>;
  update(olds: O, news: I): { outs: O } | Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
  /**
   * Checks against AWS that run after the pure check has passed, for what only AWS can tell at
   * preview (Grant's opt-in dry run). `olds` are the previous inputs, empty for a new resource.
   */
  preflight?(olds: Record<string, unknown>, inputs: I): Promise<CheckFailure[]>;
}

/**
 * The provider object for one resource type: the host's calls, mapped onto its check and lifecycle.
 * Each runtime module must still export the object this returns as the module itself (see
 * runtime/keyPolicy.ts): that is what keeps `__provider` in the state a short `require`.
 * `context` is the one the lifecycle was made with: `configure` fills it with the stack's settings.
 */
export function dynamicProvider<I extends object, O>(
  context: ProviderContext,
  /** `olds`: the inputs the state records, empty for a new resource; `settings`: the context's. */
  check: (
    news: Record<string, unknown>,
    olds: Record<string, unknown>,
    settings: Readonly<ProviderSettings>,
  ) => { inputs: I; failures: CheckFailure[] },
  lifecycle: ResourceLifecycle<I, O>,
): dynamic.ResourceProvider<I, O> {
  return {
    async configure(req) {
      context.configure(req.config);
    },
    async check(olds, news) {
      const result = check(news as unknown as Record<string, unknown>, (olds ?? {}) as Record<string, unknown>, context.settings);
      const failures = [...result.failures, ...context.problems];
      if (failures.length === 0 && lifecycle.preflight)
        failures.push(...(await lifecycle.preflight((olds ?? {}) as Record<string, unknown>, result.inputs)));
      return { ...result, failures };
    },
    async diff(_id, olds, news) {
      return lifecycle.diff(olds, news);
    },
    async create(inputs) {
      return createForHost(inputs, () => lifecycle.create(inputs));
    },
    async read(id, props) {
      // The host uses `inputs` for the next diff; they are the input half of the outputs.
      return (await lifecycle.read(id, props as O)) as dynamic.ReadResult<O>;
    },
    async update(_id, olds, news) {
      return lifecycle.update(olds, news);
    },
    async delete(id, props) {
      await lifecycle.delete(id, props);
    },
  };
}

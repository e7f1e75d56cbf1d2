/**
 * A create that may have changed AWS and could not undo it. Pulumi's dynamic-provider host turns
 * an error that carries `id` and `properties` into ErrorResourceInitFailed: the engine then keeps
 * the resource in state with these properties (instead of forgetting it) and retries it as an
 * update on the next `pulumi up`; `pulumi destroy` can clean it up.
 */
export class ResourceInitFailedError extends Error {
  readonly reasons: string[];

  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ResourceInitFailedError";
    this.reasons = [message];
  }
}

/**
 * The host records an init failure's properties as they are, without adding the `__provider`
 * reference it adds to a successful result; without it, refresh and destroy could not load the
 * provider for that resource. `inputs` are the properties the host passed to create.
 */
export function withProviderReference(err: unknown, inputs: object): unknown {
  if (err instanceof ResourceInitFailedError) err.properties.__provider = (inputs as Record<string, unknown>).__provider;
  return err;
}

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
 * Runs a create for the provider host. The host records an init failure's properties as they are,
 * without the `__provider` reference it adds to a successful result; without it, refresh and
 * destroy could not load the provider for that resource. `inputs` are what the host passed in.
 */
export async function createForHost<T>(inputs: object, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof ResourceInitFailedError) err.properties.__provider = (inputs as Record<string, unknown>).__provider;
    throw err;
  }
}

/**
 * The Grant dynamic provider. Like runtime/keyPolicy.ts, the module's export is the provider
 * object, recorded in state as `require("pulumi-kms-policy/runtime/grant")`.
 */
import { ProviderContext } from "./context";
import { dynamicProvider } from "./dynamicProvider";
import { checkGrant } from "./grantCheck";
import { GrantLifecycle } from "./grantLifecycle";

/** This provider's settings, clients, clock and log (see runtime/keyPolicy.ts). */
const context = new ProviderContext();

const lifecycle = new GrantLifecycle(
  {
    grants: (keyId, region, access) => context.grantApi(keyId, region, access),
    keys: (keyId, region, access) => context.keyApi(keyId, region, access),
  },
  500,
  context,
);

const grantProvider = dynamicProvider(context, checkGrant, lifecycle);

export = grantProvider;

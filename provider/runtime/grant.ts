/**
 * The Grant dynamic provider. Like runtime/keyPolicy.ts, the module's export is the provider
 * object, recorded in state as `require("pulumi-kms-policy/runtime/grant")`.
 */
import { GrantApi } from "../aws/grants";
import { KeyApi } from "../aws/keys";
import { dynamicProvider } from "./dynamicProvider";
import { checkGrant } from "./grantCheck";
import { GrantLifecycle } from "./grantLifecycle";
import { clientFor, propagationWait, providerSettings } from "./settings";

const lifecycle = new GrantLifecycle(
  {
    grants: (keyId, region, access) => new GrantApi(clientFor(keyId, region, access), propagationWait()),
    keys: (keyId, region, access) => new KeyApi(clientFor(keyId, region, access)),
  },
  500,
  () => providerSettings().grantListingDelaySeconds * 1000,
  undefined,
  () => providerSettings().dryRun,
);

const grantProvider = dynamicProvider(checkGrant, lifecycle);

export = grantProvider;

/**
 * The KeyPolicy dynamic provider. This module's export *is* the provider object, so Pulumi's
 * closure serializer records it in state as `require("pulumi-kms-policy/runtime/key-policy")`
 * instead of inlining code: small state, and refresh/destroy use the installed package's code.
 */
import { KeyApi } from "../aws/keys";
import { dynamicProvider } from "./dynamicProvider";
import { checkKeyPolicy } from "./keyPolicyCheck";
import { KeyPolicyLifecycle } from "./keyPolicyLifecycle";
import { clientFor, propagationWait } from "./settings";

const keyPolicyProvider = dynamicProvider(
  checkKeyPolicy,
  new KeyPolicyLifecycle((keyId, region, access) => new KeyApi(clientFor(keyId, region, access), { propagation: propagationWait() })),
);

export = keyPolicyProvider;

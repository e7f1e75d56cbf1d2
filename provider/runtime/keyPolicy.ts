/**
 * The KeyPolicy dynamic provider. This module's export *is* the provider object, so Pulumi's
 * closure serializer records it in state as `require("pulumi-kms-policy/runtime/key-policy")`
 * instead of inlining code: small state, and refresh/destroy use the installed package's code.
 */
import { KeyApi } from "../aws/keys";
import { dynamicProvider } from "./dynamicProvider";
import { keyPolicyAccessFailures } from "./keyPolicyAccess";
import { checkKeyPolicy } from "./keyPolicyCheck";
import { KeyPolicyLifecycle } from "./keyPolicyLifecycle";
import { clientFor, propagationWait } from "./settings";

const keyPolicyProvider = dynamicProvider(
  (news, olds) => {
    const result = checkKeyPolicy(news);
    // The access settings judge only a policy that passed the rest of the check.
    if (result.failures.length > 0) return result;
    return { ...result, failures: keyPolicyAccessFailures(olds, result.inputs.policy, result.inputs.keyId) };
  },
  new KeyPolicyLifecycle((keyId, region, access) => new KeyApi(clientFor(keyId, region, access), { propagation: propagationWait() })),
);

export = keyPolicyProvider;

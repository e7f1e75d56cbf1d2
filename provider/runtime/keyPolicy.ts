/**
 * The KeyPolicy dynamic provider. This module's export *is* the provider object, so Pulumi's
 * closure serializer records it in state as `require("pulumi-kms-policy/runtime/key-policy")`
 * instead of inlining code: small state, and refresh/destroy use the installed package's code.
 */
import { ProviderContext } from "./context";
import { dynamicProvider } from "./dynamicProvider";
import { keyPolicyAccessFailures } from "./keyPolicyAccess";
import { checkKeyPolicy } from "./keyPolicyCheck";
import { KeyPolicyLifecycle } from "./keyPolicyLifecycle";

/** This provider's settings, clients, clock and log: `configure` fills it, the check and the lifecycle read it. */
const context = new ProviderContext();

const keyPolicyProvider = dynamicProvider(
  context,
  (news, olds, settings) => {
    const result = checkKeyPolicy(news, settings);
    // The access settings judge only a policy that passed the rest of the check.
    if (result.failures.length > 0) return result;
    return { ...result, failures: keyPolicyAccessFailures(olds, result.inputs.policy, result.inputs.keyId, settings) };
  },
  new KeyPolicyLifecycle((keyId, region, access) => context.keyApi(keyId, region, access, true), undefined, context),
);

export = keyPolicyProvider;

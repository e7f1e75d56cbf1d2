/**
 * The KeyPolicyStatement dynamic provider. As runtime/keyPolicy.ts, this module's export *is* the
 * provider object: the state records `require("pulumi-kms-policy/runtime/key-policy-statement")`.
 */
import { ProviderContext } from "./context";
import { dynamicProvider } from "./dynamicProvider";
import { checkKeyPolicyStatement } from "./keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle } from "./keyPolicyStatementLifecycle";

/** This provider's settings, clients, clock and log (see runtime/keyPolicy.ts). */
const context = new ProviderContext();

const keyPolicyStatementProvider = dynamicProvider(
  context,
  // The lint settings come from the stack, not from the state's inputs.
  (news, _olds, settings) => checkKeyPolicyStatement(news, settings),
  new KeyPolicyStatementLifecycle((keyId, region, access) => context.keyApi(keyId, region, access, true), undefined, undefined, context),
);

export = keyPolicyStatementProvider;

/**
 * The KeyPolicyStatement dynamic provider. As runtime/keyPolicy.ts, this module's export *is* the
 * provider object: the state records `require("pulumi-kms-policy/runtime/key-policy-statement")`.
 */
import { KeyApi } from "../aws/keys";
import { dynamicProvider } from "./dynamicProvider";
import { checkKeyPolicyStatement } from "./keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle } from "./keyPolicyStatementLifecycle";
import { clientFor, propagationWait } from "./settings";

const keyPolicyStatementProvider = dynamicProvider(
  // The lint settings come from the stack (the check's default), not from the state's inputs.
  (news) => checkKeyPolicyStatement(news),
  new KeyPolicyStatementLifecycle(
    (keyId, region, access) => new KeyApi(clientFor(keyId, region, access), { propagation: propagationWait() }),
  ),
);

export = keyPolicyStatementProvider;

/**
 * The KeyPolicyStatement dynamic provider. As runtime/keyPolicy.ts, this module's export *is* the
 * provider object: the state records `require("pulumi-kms-policy/runtime/key-policy-statement")`.
 */
import { KeyApi } from "../aws/keys";
import { dynamicProvider } from "./dynamicProvider";
import { checkKeyPolicyStatement } from "./keyPolicyStatementCheck";
import { KeyPolicyStatementLifecycle } from "./keyPolicyStatementLifecycle";
import { clientFor } from "./settings";

const keyPolicyStatementProvider = dynamicProvider(
  checkKeyPolicyStatement,
  new KeyPolicyStatementLifecycle((keyId, region, access) => new KeyApi(clientFor(keyId, region, access))),
);

export = keyPolicyStatementProvider;

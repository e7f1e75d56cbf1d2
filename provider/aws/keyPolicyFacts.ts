/**
 * Facts of KMS key policies that the KeyPolicy resource, its check and the drift check share.
 * Pure. Source: KMS API reference (PutKeyPolicy, GetKeyPolicy) and developer guide ("Default key policy").
 */
import { parseKeyRef } from "./keyRef";

/** The only key policy name KMS has (PutKeyPolicy's PolicyName: "The only valid policy name is default"). */
export const KEY_POLICY_NAME = "default";

/**
 * The key policy AWS gives a new key: the key's account may use IAM policies to allow access
 * (developer guide, "Default key policy"). `keyArn` is the key's ARN, as DescribeKey gives it.
 */
export function defaultKeyPolicy(keyArn: string): string {
  const ref = parseKeyRef(keyArn);
  if ("error" in ref || ref.arn === undefined) throw new Error(`defaultKeyPolicy needs a key ARN, not "${keyArn}"`);
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "key-default-1",
      Statement: [
        {
          Sid: "Enable IAM User Permissions",
          Effect: "Allow",
          Principal: { AWS: `arn:${ref.partition}:iam::${ref.account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
    null,
    2,
  );
}

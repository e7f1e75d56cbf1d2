import { CreateKeyCommand, KMSClient, ListGrantsCommand, GrantListEntry } from "@aws-sdk/client-kms";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DUMMY_CREDENTIALS, MotoServer } from "../../toolchain/moto";

/** An SDK client for the tests' own setup and assertions, bound to moto. */
export function testKms(moto: MotoServer): KMSClient {
  return new KMSClient({
    region: moto.awsEnv.AWS_REGION,
    endpoint: moto.endpoint,
    credentials: DUMMY_CREDENTIALS,
  });
}

export async function createKey(kms: KMSClient, description = "test key"): Promise<{ keyId: string; arn: string }> {
  const out = await kms.send(new CreateKeyCommand({ Description: description }));
  return { keyId: out.KeyMetadata?.KeyId as string, arn: out.KeyMetadata?.Arn as string };
}

export async function allGrants(kms: KMSClient, keyId: string): Promise<GrantListEntry[]> {
  const grants: GrantListEntry[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListGrantsCommand({ KeyId: keyId, Marker: marker }));
    grants.push(...(page.Grants ?? []));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return grants;
}

/**
 * A test-side client acting in a role's account (moto scopes KMS to the account of the role whose
 * credentials sign the call) and in `region`; without a role, moto's default account.
 */
export async function kmsAs(endpoint: string, roleArn: string | undefined, region = "us-east-1"): Promise<KMSClient> {
  if (!roleArn) return new KMSClient({ region, endpoint, credentials: DUMMY_CREDENTIALS });
  const sts = new STSClient({ region, endpoint, credentials: DUMMY_CREDENTIALS });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "test-setup" }))).Credentials;
  return new KMSClient({
    region,
    endpoint,
    credentials: { accessKeyId: c?.AccessKeyId as string, secretAccessKey: c?.SecretAccessKey as string, sessionToken: c?.SessionToken },
  });
}

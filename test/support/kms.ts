import { CreateKeyCommand, KMSClient, ListGrantsCommand, GrantListEntry } from "@aws-sdk/client-kms";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DUMMY_CREDENTIALS, MotoServer } from "../../toolchain/moto";

/** Where a test client sends its calls instead of moto itself: a FaultProxy, in a fault or KMS-faithful mode. */
export interface KmsEndpoint {
  endpoint: string;
}

export interface TestKmsOptions {
  /** A proxy in front of moto; moto itself when absent. */
  via?: KmsEndpoint;
  /** The SDK's attempts per call (its default when absent): 1 to see a fault, 2 or 3 to see a retry. */
  maxAttempts?: number;
}

/**
 * The one way the tests make a KMS client: bound to moto (or to a proxy in front of it) in moto's
 * Region, with moto's dummy credentials, so no test call can reach a real AWS endpoint.
 */
export function testKms(moto: MotoServer, options: TestKmsOptions = {}): KMSClient {
  return client(options.via?.endpoint ?? moto.endpoint, moto.awsEnv.AWS_REGION, DUMMY_CREDENTIALS, options.maxAttempts);
}

/** Static credentials: moto's dummy ones, or a role's session from moto's STS. */
type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function client(endpoint: string, region: string, credentials: Credentials, maxAttempts?: number): KMSClient {
  return new KMSClient({ region, endpoint, credentials, ...(maxAttempts === undefined ? {} : { maxAttempts }) });
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
  if (!roleArn) return client(endpoint, region, DUMMY_CREDENTIALS);
  const sts = new STSClient({ region, endpoint, credentials: DUMMY_CREDENTIALS });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "test-setup" }))).Credentials;
  return client(endpoint, region, {
    accessKeyId: c?.AccessKeyId as string,
    secretAccessKey: c?.SecretAccessKey as string,
    sessionToken: c?.SessionToken,
  });
}

import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Access, accessKey, AssumeRole, DEFAULT_DURATION_SECONDS, DEFAULT_SESSION_NAME, describeAccess, roleAccount } from "./access";
import { errorName } from "./errors";

/**
 * The STS side of an Access: temporary credentials for an assumed role, refreshed before they
 * expire, and the account a set of credentials acts in. The credentials live only in this
 * process's memory; nothing here logs or returns them to the providers' callers.
 */

/** The shape the AWS SDK takes as `credentials` (AwsCredentialIdentity). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<TemporaryCredentials>;

/**
 * Credentials are replaced this long before they expire, so that no call (with its retries) starts
 * with credentials about to lapse. The SDK's own memoization uses the same five minutes.
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** A role that could not be assumed: names the role, STS's error and the fix. */
export class AssumeRoleError extends Error {
  constructor(
    readonly roleArn: string,
    readonly code: string,
    detail: string,
    source: string,
  ) {
    super(
      `could not assume role ${roleArn} (from ${source}): ${code}: ${detail}\n` +
        `Fix: the role's trust policy must allow sts:AssumeRole to the identity Pulumi runs as (and require the externalId you give, if any), ` +
        `and that identity needs sts:AssumeRole on ${roleArn}; or correct assumeRole.roleArn (resource) / kms-policy:assumeRole (stack).`,
    );
    this.name = "AssumeRoleError";
  }
}

export interface StsLike {
  send(command: AssumeRoleCommand | GetCallerIdentityCommand): Promise<unknown>;
}

/** Makes the STS client for a source profile (undefined: the default chain) and Region. */
export type StsFactory = (profile: string | undefined, region: string | undefined) => StsLike;

const defaultSts: StsFactory = (profile, region) => new STSClient({ ...(region ? { region } : {}), ...(profile ? { profile } : {}) });

/**
 * Wraps a fetch of expiring credentials: callers share one fetch, and a fetch happens again once
 * the credentials are within `marginMs` of their expiry. A failed fetch is not kept.
 */
export function refreshing(fetch: CredentialProvider, now: () => number = Date.now, marginMs = REFRESH_MARGIN_MS): CredentialProvider {
  let current: Promise<TemporaryCredentials> | undefined;
  let expiresAt = Infinity;
  return async () => {
    if (current && now() < expiresAt - marginMs) return current;
    const next = fetch();
    current = next;
    expiresAt = Infinity;
    try {
      const creds = await next;
      expiresAt = creds.expiration ? creds.expiration.getTime() : Infinity;
      return creds;
    } catch (err) {
      if (current === next) current = undefined;
      throw err;
    }
  };
}

/** Credentials and accounts, one cache entry per Access. */
export class CredentialSource {
  private readonly roles = new Map<string, CredentialProvider>();
  private readonly accounts = new Map<string, Promise<string>>();

  constructor(
    private readonly stsFor: StsFactory = defaultSts,
    private readonly now: () => number = Date.now,
  ) {}

  /** The credentials for an Access with a role; undefined lets the SDK use the profile or its default chain. */
  credentialsFor(access: Access, region?: string): CredentialProvider | undefined {
    const role = access.assumeRole;
    if (!role) return undefined;
    const key = accessKey(access);
    let provider = this.roles.get(key);
    if (!provider) {
      provider = refreshing(() => this.assume(role, access, region), this.now);
      this.roles.set(key, provider);
    }
    return provider;
  }

  private async assume(role: AssumeRole, access: Access, region?: string): Promise<TemporaryCredentials> {
    const source = access.profile ? `profile ${access.profile}` : "the default credentials";
    let out: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } };
    try {
      out = (await this.stsFor(access.profile, region).send(
        new AssumeRoleCommand({
          RoleArn: role.roleArn,
          RoleSessionName: role.sessionName ?? DEFAULT_SESSION_NAME,
          DurationSeconds: role.durationSeconds ?? DEFAULT_DURATION_SECONDS,
          ...(role.externalId ? { ExternalId: role.externalId } : {}),
        }),
      )) as typeof out;
    } catch (err) {
      throw new AssumeRoleError(role.roleArn, errorName(err) || "Error", ((err as Error)?.message ?? String(err)).trim(), source);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new AssumeRoleError(role.roleArn, "NoCredentials", "STS answered without credentials", source);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }

  /**
   * The account the Access's calls act in: a role's own account, else STS GetCallerIdentity with
   * the profile or default credentials (one call per Access and process).
   */
  callerAccount(access: Access, region?: string): Promise<string> {
    const fromRole = access.assumeRole ? roleAccount(access.assumeRole.roleArn) : undefined;
    if (fromRole) return Promise.resolve(fromRole);
    const key = accessKey(access);
    let account = this.accounts.get(key);
    if (!account) {
      account = (async () => {
        try {
          const out = (await this.stsFor(access.profile, region).send(new GetCallerIdentityCommand({}))) as { Account?: string };
          if (!out.Account) throw new Error("GetCallerIdentity returned no account");
          return out.Account;
        } catch (err) {
          throw new Error(
            `could not tell which account ${describeAccess(access)} acts in (STS GetCallerIdentity: ${(err as Error).message}). ` +
              "Fix: give the key as a key ARN (it names the account), or make sure these credentials work.",
            { cause: err },
          );
        }
      })();
      account.catch(() => this.accounts.delete(key));
      this.accounts.set(key, account);
    }
    return account;
  }
}

/**
 * Whose credentials a call uses: an IAM role to assume, a shared-config profile, or neither (the
 * SDK's default chain). Pure: the facts and the precedence; aws/credentials.ts makes the calls.
 * Nothing here is a credential, so an Access may be recorded in the state.
 */

/** A role to assume through STS AssumeRole. */
export interface AssumeRole {
  /** The role's ARN, e.g. `arn:aws:iam::111122223333:role/kms-admin`. */
  roleArn: string;
  /** The external id the role's trust policy requires, if it requires one. */
  externalId?: string;
  /** The role session name, visible in CloudTrail. Default {@link DEFAULT_SESSION_NAME}. */
  sessionName?: string;
  /** How long the temporary credentials last, 900 to 43200 seconds (the role's maximum). Default 3600. */
  durationSeconds?: number;
}

/** The credentials a resource's calls use. Neither field: the SDK's default chain. */
export interface Access {
  assumeRole?: AssumeRole;
  /** A profile of the shared config files; with `assumeRole`, the source of the credentials that assume it. */
  profile?: string;
}

export const DEFAULT_SESSION_NAME = "pulumi-kms-policy";
export const DEFAULT_DURATION_SECONDS = 3600;
/** STS AssumeRole's bounds for DurationSeconds (the role's own maximum may be lower). */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43200;

/** An IAM role ARN (path allowed); the groups are the partition and the account. */
export const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** STS's pattern for RoleSessionName, 2 to 64 characters. */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS's pattern for ExternalId, 2 to 1224 characters. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** The account a role belongs to; its credentials act in that account. */
export function roleAccount(roleArn: string): string | undefined {
  return ROLE_ARN.exec(roleArn)?.[2];
}

/**
 * The account a resource's calls act in, as far as it is known without calling AWS: the account of
 * the role they assume (the resource's, else the stack's, by effectiveAccess). A key given by bare
 * id is looked up there, so it is the key's owner. Under a profile or the default credentials only
 * STS knows the account: undefined. The provider's check and the program's lint warnings both use
 * it, so that they take the same owner.
 */
export function knownAccount(resource: Access, stack: Access): string | undefined {
  const role = effectiveAccess(resource, stack).assumeRole;
  return role ? roleAccount(role.roleArn) : undefined;
}

/**
 * The access a resource uses: a resource that names a role or a profile decides alone (its role is
 * assumed from its own profile, else from the stack's `aws:profile`); otherwise the stack's
 * settings; otherwise nothing, the SDK's default chain.
 */
export function effectiveAccess(resource: Access, stack: Access): Access {
  if (resource.assumeRole) return compact({ assumeRole: resource.assumeRole, profile: resource.profile ?? stack.profile });
  if (resource.profile) return { profile: resource.profile };
  return compact({ assumeRole: stack.assumeRole, profile: stack.profile });
}

function compact(access: Access): Access {
  return {
    ...(access.assumeRole ? { assumeRole: access.assumeRole } : {}),
    ...(access.profile ? { profile: access.profile } : {}),
  };
}

/** A stable text for an Access: the cache key of its clients and credentials. */
export function accessKey(access: Access | undefined): string {
  const role = access?.assumeRole;
  return JSON.stringify([
    access?.profile ?? "",
    role?.roleArn ?? "",
    role?.externalId ?? "",
    role?.sessionName ?? "",
    role?.durationSeconds ?? 0,
  ]);
}

/** Where an Access acts, in words, for messages: `role ARN` or `profile NAME` or `the default credentials`. */
export function describeAccess(access: Access | undefined): string {
  if (access?.assumeRole) return `role ${access.assumeRole.roleArn}${access.profile ? ` (assumed from profile ${access.profile})` : ""}`;
  if (access?.profile) return `profile ${access.profile}`;
  return "the default credentials";
}

/**
 * Problems with an assumeRole value, each with the fix; `where` names it (e.g. `assumeRole` or
 * `kms-policy:assumeRole`). Returns the value typed when there are none.
 */
export function checkAssumeRole(value: unknown, where: string): { value?: AssumeRole; problems: string[] } {
  const problems: string[] = [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problems: [`${where} must be an object { roleArn, externalId?, sessionName?, durationSeconds? }`] };
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!["roleArn", "externalId", "sessionName", "durationSeconds"].includes(key)) {
      problems.push(`${where}.${key} is not a field of assumeRole: use roleArn, externalId, sessionName or durationSeconds`);
    }
  }
  if (typeof v.roleArn !== "string" || !ROLE_ARN.test(v.roleArn)) {
    problems.push(
      `${where}.roleArn ${v.roleArn === undefined ? "is required" : `"${String(v.roleArn)}" is not an IAM role ARN`}: give the role's ARN, e.g. "arn:aws:iam::111122223333:role/kms-admin"`,
    );
  }
  if (v.externalId !== undefined && (typeof v.externalId !== "string" || !EXTERNAL_ID.test(v.externalId))) {
    problems.push(`${where}.externalId must be 2 to 1224 characters of letters, digits and +=,.@:/-_ (STS's rule)`);
  }
  if (v.sessionName !== undefined && (typeof v.sessionName !== "string" || !SESSION_NAME.test(v.sessionName))) {
    problems.push(`${where}.sessionName must be 2 to 64 characters of letters, digits and +=,.@-_ (STS's rule)`);
  }
  const d = v.durationSeconds;
  if (d !== undefined && (typeof d !== "number" || !Number.isInteger(d) || d < MIN_DURATION_SECONDS || d > MAX_DURATION_SECONDS)) {
    problems.push(
      `${where}.durationSeconds must be a whole number of seconds from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (and at most the role's maximum session duration)`,
    );
  }
  return problems.length ? { problems } : { value: v as unknown as AssumeRole, problems };
}

import * as crypto from "crypto";

/**
 * The KMS-faithful mode of the test proxy: documented behaviours of AWS KMS that moto does not
 * have, reproduced in front of moto. Each one is listed, with its AWS source, in
 * docs/kms-emulator.md ("The KMS-faithful mode"). FaultProxy hands it every call that got past the
 * injected faults; calls it does not rewrite go to moto unchanged.
 */
export interface FaithfulOptions {
  /** Grants per ListGrants page when the caller asks for more; KMS's own maximum is 100. */
  pageSize?: number;
  /** A grant created through the proxy is missing from ListGrants for this long. */
  grantListingDelayMs?: number;
  /**
   * After PutKeyPolicy, GetKeyPolicy answers alternate between the policy before and the one put
   * for this long (reads served by hosts that have and have not seen the change), starting with
   * the old one.
   */
  policyPropagationMs?: number;
  /**
   * For this long after its creation, a grant created through the proxy lists its grantee role or
   * user as the principal's unique id (`AROA...` / `AIDA...`), as KMS does for a principal created
   * moments before the grant, until IAM has propagated it (aws-sdk-go#1718).
   */
  youngGranteeUniqueIdMs?: number;
  /**
   * Which answers are stale during that time, cycled: `o` the policy before the put, `n` the one
   * put. Default "on", a strict alternation starting with the old one; "oonono" gives two stale
   * answers in a row, as KMS can (which host serves a read is not promised).
   */
  staleAnswers?: string;
  /**
   * A role or user registered with `createPrincipal` is unknown to KMS for this long (IAM
   * propagation): CreateGrant naming it answers InvalidArnException, PutKeyPolicy naming it
   * MalformedPolicyDocumentException ("invalid principals").
   */
  iamPropagationMs?: number;
}

/** What the proxy sends back: a JSON body and its HTTP status. */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** Sends one KMS operation to moto and returns its answer. */
export type Forward = (operation: string, input: Record<string, unknown>) => Promise<Answer>;

export const KMS_MAX_PAGE_SIZE = 100;
/** ListGrants without a Limit: KMS answers 50 a page. */
export const KMS_DEFAULT_PAGE_SIZE = 50;

interface Stale {
  policy: string;
  until: number;
  reads: number;
}

type Listed = Record<string, unknown> & {
  GrantId?: string;
  Name?: string;
  GranteePrincipal?: string;
  RetiringPrincipal?: string;
  Operations?: string[];
  Constraints?: unknown;
};

const keyOf = (keyId: unknown) => String(keyId ?? "").slice(String(keyId ?? "").lastIndexOf("/") + 1);
/**
 * A key's place in the pending-policy table: the Region the request was signed for and the bare id.
 * The replicas of a multi-Region key share the id, one per Region, and each has its own policy.
 */
const placeOf = (region: string, keyId: unknown) => `${region}/${keyOf(keyId)}`;

/** Same parameters in CreateGrant's sense: grantee, operations (a set), retiring principal, constraints. */
function sameParameters(listed: Listed, input: Record<string, unknown>): boolean {
  const ops = (v: unknown) => [...((v as string[] | undefined) ?? [])].sort().join();
  const canon = (v: unknown) =>
    JSON.stringify(v ?? null, (_k, value: unknown) =>
      value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort()) : value,
    );
  return (
    listed.GranteePrincipal === input.GranteePrincipal &&
    ops(listed.Operations) === ops(input.Operations) &&
    (listed.RetiringPrincipal ?? null) === (input.RetiringPrincipal ?? null) &&
    canon(listed.Constraints) === canon(input.Constraints)
  );
}

/**
 * A role's or user's unique id in IAM's form (`AROA` / `AIDA` and 17 characters), from `seed` (by
 * default the ARN, so a principal keeps one id).
 */
function uniqueIdOf(arn: string, seed = arn): string {
  const prefix = /:user\//.test(arn) ? "AIDA" : "AROA";
  return prefix + crypto.createHash("sha256").update(String(seed)).digest("hex").toUpperCase().slice(0, 17);
}

export class KmsFaithful {
  private readonly created = new Map<string, number>();
  private readonly stale = new Map<string, Stale>();
  private readonly uniqueIds = new Map<string, string>();
  /** Principals created through `createPrincipal`, with when. */
  private readonly principalsCreated = new Map<string, number>();
  /**
   * The creation time given to grants made behind the proxy's back (directly on moto, e.g. a test's
   * setup): the proxy's own start, so that they date from before anything sent through it.
   */
  private readonly started = Date.now();

  constructor(readonly options: FaithfulOptions = {}) {}

  /**
   * From now on, KMS shows this role or user as its unique id (`AROA...` / `AIDA...`), the way it
   * shows a principal that was deleted. Returns the unique id.
   */
  deletePrincipal(arn: string): string {
    const id = uniqueIdOf(arn, crypto.randomBytes(16).toString("hex"));
    this.uniqueIds.set(arn, id);
    return id;
  }

  /**
   * A role or user created now: KMS refuses calls naming it for `iamPropagationMs` (IAM is
   * eventually consistent). moto has no IAM check at all, so the principal need not exist there.
   */
  createPrincipal(arn: string): void {
    this.principalsCreated.set(arn, Date.now());
  }

  /** The first principal in `text` that KMS does not know yet, if any. */
  private unpropagated(text: string): string | undefined {
    const window = this.options.iamPropagationMs ?? 0;
    for (const [arn, at] of this.principalsCreated) if (Date.now() - at < window && text.includes(arn)) return arn;
    return undefined;
  }

  /**
   * Handles the operations KMS answers differently from moto; undefined: forward unchanged.
   * `region` is the Region the request was signed for (where the key is, as for moto).
   */
  async handle(operation: string, input: Record<string, unknown>, forward: Forward, region = ""): Promise<Answer | undefined> {
    switch (operation) {
      case "CreateGrant":
        return this.createGrant(input, forward);
      case "ListGrants":
        return this.listGrants(input, forward);
      case "PutKeyPolicy":
        return this.putKeyPolicy(input, forward, region);
      case "GetKeyPolicy":
        return this.getKeyPolicy(input, forward, region);
      default:
        return undefined;
    }
  }

  private async createGrant(input: Record<string, unknown>, forward: Forward): Promise<Answer> {
    const young = this.unpropagated(`${String(input.GranteePrincipal ?? "")} ${String(input.RetiringPrincipal ?? "")}`);
    if (young) return { status: 400, body: { __type: "InvalidArnException", message: `ARN ${young} is not valid.` } };
    if (typeof input.Name === "string") {
      // KMS sees every grant, listed yet or not: the check goes to moto directly.
      const listing = await forward("ListGrants", { KeyId: input.KeyId });
      const twin = ((listing.body.Grants as Listed[] | undefined) ?? []).find((g) => g.Name === input.Name && sameParameters(g, input));
      if (listing.status === 200 && twin?.GrantId) {
        return { status: 200, body: { GrantId: twin.GrantId, GrantToken: crypto.randomBytes(48).toString("hex") } };
      }
    }
    const answer = await forward("CreateGrant", input);
    if (answer.status === 200 && typeof answer.body.GrantId === "string") this.created.set(answer.body.GrantId, Date.now());
    return answer;
  }

  private async listGrants(input: Record<string, unknown>, forward: Forward): Promise<Answer> {
    const answer = await forward("ListGrants", { KeyId: input.KeyId, ...(input.GrantId ? { GrantId: input.GrantId } : {}) });
    if (answer.status !== 200) return answer;
    const now = Date.now();
    const delay = this.options.grantListingDelayMs ?? 0;
    const visible = ((answer.body.Grants as Listed[] | undefined) ?? [])
      .filter((g) => !(now - (this.created.get(g.GrantId ?? "") ?? 0) < delay))
      .map((g) => {
        const at = this.created.get(g.GrantId ?? "") ?? this.started;
        const iam = g.GranteePrincipal ?? "";
        const young = now - at < (this.options.youngGranteeUniqueIdMs ?? 0) && /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\//.test(iam);
        const grantee = this.uniqueIds.get(iam) ?? (young ? uniqueIdOf(iam) : undefined);
        return { ...g, CreationDate: at / 1000, ...(grantee ? { GranteePrincipal: grantee } : {}) };
      });
    const limit = Math.min(
      typeof input.Limit === "number" ? input.Limit : KMS_DEFAULT_PAGE_SIZE,
      this.options.pageSize ?? KMS_MAX_PAGE_SIZE,
      KMS_MAX_PAGE_SIZE,
    );
    const start = typeof input.Marker === "string" ? Number(Buffer.from(input.Marker, "base64url").toString()) : 0;
    const end = start + limit;
    const truncated = end < visible.length;
    return {
      status: 200,
      body: {
        Grants: visible.slice(start, end),
        Truncated: truncated,
        ...(truncated ? { NextMarker: Buffer.from(String(end)).toString("base64url") } : {}),
      },
    };
  }

  private async putKeyPolicy(input: Record<string, unknown>, forward: Forward, region: string): Promise<Answer> {
    if (this.unpropagated(String(input.Policy ?? ""))) {
      return {
        status: 400,
        body: { __type: "MalformedPolicyDocumentException", message: "Policy contains a statement with one or more invalid principals." },
      };
    }
    const before = await forward("GetKeyPolicy", { KeyId: input.KeyId, PolicyName: "default" });
    const answer = await forward("PutKeyPolicy", input);
    const old = before.body.Policy;
    if (answer.status === 200 && typeof old === "string") {
      this.stale.set(placeOf(region, input.KeyId), { policy: old, until: Date.now() + (this.options.policyPropagationMs ?? 0), reads: 0 });
    }
    return answer;
  }

  private async getKeyPolicy(input: Record<string, unknown>, forward: Forward, region: string): Promise<Answer> {
    const answer = await forward("GetKeyPolicy", input);
    if (answer.status !== 200 || typeof answer.body.Policy !== "string") return answer;
    let policy = answer.body.Policy;
    const stale = this.stale.get(placeOf(region, input.KeyId));
    const pattern = this.options.staleAnswers || "on";
    if (stale && Date.now() < stale.until && pattern[stale.reads++ % pattern.length] === "o") policy = stale.policy;
    return { status: 200, body: { ...answer.body, Policy: this.reserialize(policy) } };
  }

  /**
   * The policy as KMS returns it: pretty-printed in its `"Key" : value` style, statements and keys
   * in another order, an account given by id shown as its root ARN, a deleted principal as its
   * unique id. Text that is not a JSON object is returned as stored.
   */
  reserialize(text: string): string {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return text;
    }
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) return text;
    const principal = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(principal);
      if (typeof value !== "string") return value;
      if (/^\d{12}$/.test(value)) return `arn:aws:iam::${value}:root`;
      return this.uniqueIds.get(value) ?? value;
    };
    const statement = (s: unknown): unknown => {
      if (!s || typeof s !== "object" || Array.isArray(s)) return s;
      const entries = Object.entries(s as Record<string, unknown>).map(([k, v]): [string, unknown] => {
        if ((k === "Principal" || k === "NotPrincipal") && v && typeof v === "object" && !Array.isArray(v)) {
          return [k, Object.fromEntries(Object.entries(v).map(([type, p]) => [type, type === "AWS" ? principal(p) : p]))];
        }
        return [k, v];
      });
      return Object.fromEntries(entries.reverse());
    };
    const out = Object.entries(doc as Record<string, unknown>).map(([k, v]): [string, unknown] => {
      if (k !== "Statement") return [k, v];
      return [k, Array.isArray(v) ? [...v].reverse().map(statement) : statement(v)];
    });
    return JSON.stringify(Object.fromEntries(out.reverse()), null, 2).replace(/^(\s*"(?:[^"\\]|\\.)*"): /gm, "$1 : ");
  }
}

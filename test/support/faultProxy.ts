import * as http from "http";
import { Answer, FaithfulOptions, KmsFaithful } from "./kmsFaithful";

/**
 * An HTTP proxy between the AWS SDK and moto that counts every KMS call by operation and can
 * inject faults on chosen operations. The tests point AWS_ENDPOINT_URL_KMS at it; the rules live
 * in the test process, so a test can change them between (or during) pulumi runs. The benchmarks
 * reuse it for call counts. With `faithful` options it also behaves like AWS KMS where moto does
 * not (see kmsFaithful.ts): faults apply first, then the faithful answer.
 */
export type FaultKind =
  | "throttle" // HTTP 400 ThrottlingException
  | "internal" // HTTP 500 KMSInternalException
  | "dependency-timeout" // HTTP 500 DependencyTimeoutException
  | "drop-before" // connection closed before moto sees the request
  | "drop-after" // moto handles the request, then the connection is closed: the caller cannot know it worked
  | "access-denied" // HTTP 400 AccessDeniedException: a refusal, never retried
  | "hang"; // never answers; the connection stays open until the caller gives up

export interface FaultRule {
  /** Operations the rule applies to, e.g. ["CreateGrant"]; empty or absent: all. */
  operations?: string[];
  /** Share of matching calls that fail, 0..1. */
  rate: number;
  /** Faults to choose from, uniformly. */
  kinds: FaultKind[];
  /** Let this many matching calls through before the rule starts (counts down). */
  skip?: number;
  /** Inject at most this many faults, then let calls through (counts down). */
  times?: number;
}

export interface ProxyRules {
  faults?: FaultRule[];
  /** Added latency per call, by operation (`*` for all), in ms. */
  latencyMs?: Record<string, number>;
  /**
   * After each PutKeyPolicy, answer the next N GetKeyPolicy calls for that key with the policy it
   * had before: KMS's eventual consistency, exaggerated.
   */
  staleGetKeyPolicyReads?: number;
  /**
   * Role ARNs whose STS AssumeRole is refused with AccessDenied (moto assumes any role). Point
   * AWS_ENDPOINT_URL_STS at the proxy for STS calls to pass through it.
   */
  refuseAssumeRole?: string[];
}

/** One request as the proxy saw it: where it was signed for and with whose key. */
export interface SeenRequest {
  /** `kms` or `sts`, from the signature's credential scope. */
  service: string;
  operation: string;
  /** The Region the request was signed for (SigV4 credential scope). */
  region: string;
  accessKeyId: string;
  /** The account the access key acts in: a role's, for keys the proxy saw AssumeRole return; else moto's default. */
  account: string;
  /** The request's KeyId, for KMS calls that name one. */
  keyId?: string;
  /** The JSON body of a KMS call, or the form fields of an STS call (e.g. AssumeRole's RoleArn and RoleSessionName). */
  body: Record<string, unknown>;
}

/** A request or answer body as JSON; an empty or non-JSON body is an empty object. */
function parseBody(body: Buffer): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body.toString() || "{}") as unknown;
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Seeded so that a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const WRITE_OPERATIONS = new Set([
  "PutKeyPolicy",
  "CreateGrant",
  "RevokeGrant",
  "RetireGrant",
  "CreateKey",
  "ScheduleKeyDeletion",
  "DisableKey",
  "EnableKey",
]);

/** Key states in which KMS refuses CreateGrant, and the error it gives (Key states of KMS keys, KMS Developer Guide). */
const CREATE_GRANT_REFUSED_STATES: Record<string, string> = { Disabled: "DisabledException" };

/** moto's account for any access key it did not issue for a role. */
const DEFAULT_ACCOUNT = "123456789012";

export class FaultProxy {
  readonly calls = new Map<string, number>();
  /** Every request since the last reset, in order, with its JSON body (what was sent: moto ignores some fields). */
  readonly requests: SeenRequest[] = [];
  /** Every secret part of the credentials AssumeRole returned through the proxy (kept across resets), to prove they leak nowhere. */
  readonly issuedSecrets: string[] = [];
  /** Access keys returned by AssumeRole through this proxy, to the role's account (kept across resets). */
  private readonly keyAccounts = new Map<string, string>();
  /** Service principals CreateGrant was given, by grant id: moto drops them, real KMS lists them. */
  private readonly servicePrincipals = new Map<string, { GranteeServicePrincipal?: string; RetiringServicePrincipal?: string }>();
  readonly faultsInjected = new Map<string, number>();
  rules: ProxyRules = {};
  private readonly server: http.Server;
  private readonly next: () => number;
  private readonly stale = new Map<string, { policy: string; remaining: number }>();
  private port = 0;
  /** Set in the KMS-faithful mode; it keeps its state (grant ages, pending policies) across reset(). */
  readonly faithful?: KmsFaithful;

  constructor(
    private readonly target: string,
    seed = 1,
    faithful?: FaithfulOptions,
  ) {
    this.next = random(seed);
    if (faithful) this.faithful = new KmsFaithful(faithful);
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  count(operation: string): number {
    return this.calls.get(operation) ?? 0;
  }

  writeCalls(): number {
    let n = 0;
    for (const [op, c] of this.calls) if (WRITE_OPERATIONS.has(op)) n += c;
    return n;
  }

  /** The bodies of the calls of `operation`, in order. */
  bodies(operation: string): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.operation === operation).map((r) => r.body);
  }

  reset(rules: ProxyRules = {}): void {
    this.calls.clear();
    this.requests.length = 0;
    this.faultsInjected.clear();
    this.stale.clear();
    this.rules = rules;
  }

  private pickFault(operation: string): FaultKind | undefined {
    for (const rule of this.rules.faults ?? []) {
      if (rule.operations?.length && !rule.operations.includes(operation)) continue;
      if ((rule.skip ?? 0) > 0) {
        rule.skip = (rule.skip ?? 0) - 1;
        continue;
      }
      if (rule.times !== undefined && rule.times <= 0) continue;
      if (this.next() < rule.rate) {
        if (rule.times !== undefined) rule.times--;
        return rule.kinds[Math.floor(this.next() * rule.kinds.length)];
      }
    }
    return undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers["x-amz-target"] ?? "");
    const form = String(req.headers["content-type"] ?? "").includes("x-www-form-urlencoded")
      ? new URLSearchParams(body.toString())
      : undefined;
    const operation = target.includes(".") ? target.slice(target.indexOf(".") + 1) : (form?.get("Action") ?? "other");
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const json = target ? parseBody(body) : {};
    // SigV4: Credential=AKID/DATE/REGION/SERVICE/aws4_request
    const scope = /Credential=([^/]+)\/\d+\/([^/]+)\/([^/]+)\//.exec(String(req.headers.authorization ?? ""));
    const accessKeyId = scope?.[1] ?? "";
    const keyId = typeof json.KeyId === "string" ? json.KeyId : undefined;
    this.requests.push({
      service: scope?.[3] ?? "",
      operation,
      region: scope?.[2] ?? "",
      accessKeyId,
      account: this.keyAccounts.get(accessKeyId) ?? DEFAULT_ACCOUNT,
      ...(keyId ? { keyId } : {}),
      body: form ? Object.fromEntries(form) : json,
    });
    if (operation === "AssumeRole" && this.rules.refuseAssumeRole?.includes(form?.get("RoleArn") ?? "")) {
      res.writeHead(403, { "content-type": "text/xml" });
      return void res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
          `<Message>User is not authorized to perform: sts:AssumeRole on resource: ${form?.get("RoleArn")} (refused by the test proxy)</Message></Error><RequestId>proxy</RequestId></ErrorResponse>`,
      );
    }

    const latency = this.rules.latencyMs?.[operation] ?? this.rules.latencyMs?.["*"] ?? 0;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));

    const fault = this.pickFault(operation);
    if (fault) this.faultsInjected.set(fault, (this.faultsInjected.get(fault) ?? 0) + 1);
    if (fault === "drop-before") return void req.socket.destroy();
    if (fault === "throttle") return this.error(res, 400, "ThrottlingException", "Rate exceeded (injected)");
    if (fault === "internal") return this.error(res, 500, "KMSInternalException", "internal error (injected)");
    if (fault === "hang") return;
    if (fault === "access-denied") return this.error(res, 400, "AccessDeniedException", "not authorized (injected)");
    if (fault === "dependency-timeout") return this.error(res, 500, "DependencyTimeoutException", "dependency timeout (injected)");

    const input =
      operation === "GetKeyPolicy" || operation === "PutKeyPolicy" ? (JSON.parse(body.toString() || "{}") as { KeyId?: string }) : {};
    // By signing Region and bare id: the replicas of a multi-Region key share the id.
    const keyOf = (keyId = "") => `${scope?.[2] ?? ""}/${keyId.slice(keyId.lastIndexOf("/") + 1)}`;
    if (operation === "PutKeyPolicy" && (this.rules.staleGetKeyPolicyReads ?? 0) > 0) {
      const before = await this.forward(
        req,
        Buffer.from(JSON.stringify({ KeyId: input.KeyId, PolicyName: "default" })),
        "TrentService.GetKeyPolicy",
      );
      const policy = (JSON.parse(before.body.toString() || "{}") as { Policy?: string }).Policy;
      if (policy) this.stale.set(keyOf(input.KeyId), { policy, remaining: this.rules.staleGetKeyPolicyReads ?? 0 });
    }
    if (operation === "GetKeyPolicy") {
      const stale = this.stale.get(keyOf(input.KeyId));
      if (stale && stale.remaining > 0) {
        stale.remaining--;
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        return void res.end(JSON.stringify({ Policy: stale.policy, PolicyName: "default" }));
      }
    }

    if (operation === "CreateGrant" && json.DryRun === true) return this.answerDryRun(req, res, json);

    if (this.faithful) {
      const faithful = await this.faithful.handle(operation, json, (op, payload) => this.forwardJson(req, op, payload), scope?.[2] ?? "");
      if (faithful) {
        let out: Buffer = Buffer.from(JSON.stringify(faithful.body));
        if (operation === "CreateGrant" && faithful.status === 200) this.rememberServicePrincipals(json, out);
        if (operation === "ListGrants" && faithful.status === 200) out = this.withServicePrincipals(out);
        if (fault === "drop-after") return void req.socket.destroy();
        return this.answer(res, faithful, out);
      }
    }

    const answer = await this.forward(req, body);
    if (operation === "CreateGrant" && answer.status === 200) this.rememberServicePrincipals(json, answer.body);
    if (operation === "ListGrants" && answer.status === 200) {
      answer.body = this.withServicePrincipals(answer.body);
      answer.headers["content-length"] = String(answer.body.length);
    }
    if (operation === "AssumeRole" && answer.status === 200) {
      const issued = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer.body.toString())?.[1];
      const account = /^arn:[^:]+:iam::(\d{12}):/.exec(form?.get("RoleArn") ?? "")?.[1];
      if (issued && account) this.keyAccounts.set(issued, account);
      for (const field of ["AccessKeyId", "SecretAccessKey", "SessionToken"]) {
        const value = new RegExp(`<${field}>([^<]+)</${field}>`).exec(answer.body.toString())?.[1];
        if (value) this.issuedSecrets.push(value);
      }
    }
    if (fault === "drop-after") return void req.socket.destroy();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private answer(res: http.ServerResponse, answer: Answer, body: Buffer): void {
    const type = typeof answer.body.__type === "string" ? { "x-amzn-errortype": answer.body.__type } : {};
    res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1", ...type });
    res.end(body);
  }

  private async forwardJson(req: http.IncomingMessage, operation: string, input: Record<string, unknown>): Promise<Answer> {
    const answer = await this.forward(req, Buffer.from(JSON.stringify(input)), `TrentService.${operation}`);
    let body: Record<string, unknown>;
    try {
      body = (JSON.parse(answer.body.toString() || "{}") as Record<string, unknown> | null) ?? {};
    } catch {
      // moto answers some unknown-key calls with HTML and a 500: keep it an error the SDK retries.
      body = { __type: "KMSInternalException", message: answer.body.toString().slice(0, 200) };
    }
    return { status: answer.status, body };
  }

  /**
   * moto ignores DryRun and would create the grant. Real KMS answers a dry run that would succeed
   * with DryRunOperationException (HTTP 412) and one that would fail with the real call's error
   * (KMS Developer Guide, "Testing your permissions"). Faults (e.g. access-denied) came first; here
   * the key decides: unknown, or in a state that refuses CreateGrant, as DescribeKey on moto says.
   */
  private async answerDryRun(req: http.IncomingMessage, res: http.ServerResponse, input: Record<string, unknown>): Promise<void> {
    const described = await this.forward(req, Buffer.from(JSON.stringify({ KeyId: input.KeyId })), "TrentService.DescribeKey");
    if (described.status !== 200) {
      res.writeHead(described.status, described.headers);
      return void res.end(described.body);
    }
    const state = (parseBody(described.body) as { KeyMetadata?: { KeyState?: string } }).KeyMetadata?.KeyState ?? "";
    if (state === "Enabled")
      return this.error(res, 412, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
    const refusal = CREATE_GRANT_REFUSED_STATES[state] ?? "KMSInvalidStateException";
    return this.error(res, 400, refusal, `${String(input.KeyId)} is ${state}.`);
  }

  private rememberServicePrincipals(input: Record<string, unknown>, answer: Buffer): void {
    const grantId = (parseBody(answer) as { GrantId?: string }).GrantId;
    const fields = {
      ...(typeof input.GranteeServicePrincipal === "string" ? { GranteeServicePrincipal: input.GranteeServicePrincipal } : {}),
      ...(typeof input.RetiringServicePrincipal === "string" ? { RetiringServicePrincipal: input.RetiringServicePrincipal } : {}),
    };
    if (grantId && Object.keys(fields).length) this.servicePrincipals.set(grantId, fields);
  }

  private withServicePrincipals(answer: Buffer): Buffer {
    if (this.servicePrincipals.size === 0) return answer;
    const page = parseBody(answer) as { Grants?: Array<Record<string, unknown>> };
    for (const grant of page.Grants ?? []) Object.assign(grant, this.servicePrincipals.get(String(grant.GrantId)) ?? {});
    return Buffer.from(JSON.stringify(page));
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string): void {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": type });
    res.end(JSON.stringify({ __type: type, message }));
  }

  private forward(
    req: http.IncomingMessage,
    body: Buffer,
    overrideTarget?: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    const url = new URL(req.url ?? "/", this.target);
    const headers: http.OutgoingHttpHeaders = { ...req.headers, host: url.host, "content-length": String(body.length) };
    if (overrideTarget) headers["x-amz-target"] = overrideTarget;
    return new Promise((resolve, reject) => {
      const upstream = http.request(url, { method: req.method, headers }, (answer) => {
        readBody(answer).then((body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }), reject);
      });
      upstream.on("error", reject);
      upstream.end(body);
    });
  }
}

/** The whole body of a request or an answer. */
async function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk as Uint8Array);
  return Buffer.concat(chunks);
}

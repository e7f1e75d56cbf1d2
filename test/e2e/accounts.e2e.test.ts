import { CreateKeyCommand, GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand, ReplicateKeyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { SETTLED_READS } from "../../provider/aws/keys";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy, SeenRequest } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { allGrants, kmsAs } from "../support/kms";
import { Project, Workspace, resourcesOfType, defaultNameOf } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../provider/resourceTypes";

const ACCOUNT_A = MOTO_ACCOUNT_ID; // the default credentials and the profile "account-a"
const ACCOUNT_B = "222233334444"; // the stack's kms-policy:assumeRole
const ACCOUNT_C = "333344445555"; // one KeyPolicy's own assumeRole
const ROLE_B = `arn:aws:iam::${ACCOUNT_B}:role/kms-admin`;
const ROLE_C = `arn:aws:iam::${ACCOUNT_C}:role/kms-admin`;
const ROLE_AUDIT = `arn:aws:iam::${ACCOUNT_B}:role/kms-audit`;
const ROLE_REFUSED = "arn:aws:iam::444455556666:role/nobody-trusts-us";
const REFUSED_KEY = "1234abcd-12ab-34cd-56ef-1234567890ab";
/** A profile with static keys (moto puts any AKIA key in its default account): proves the profile's credentials are the ones used. */
const PROFILE_KEY = "AKIAPROFILEA00000001";
const PROFILE_SECRET = "profile-a-secret-never-valid-anywhere";

describe("e2e: one stack, keys in several accounts and Regions (STS roles, a profile, a multi-Region key)", function () {
  this.timeout(600_000);
  let workspace: Workspace;
  let project: Project;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  const outputs: string[] = [];
  let asA: KMSClient;
  let asB: KMSClient;
  let asBEu: KMSClient;
  let asCEu: KMSClient;
  let keyA: string;
  let mrk: string;
  let keyC: string;
  const original = new Map<string, string>();

  const run = async (args: string[], ok = true) => {
    const result = ok ? await project.ok(args, env) : await project.pulumi(args, env);
    outputs.push(result.output);
    return result;
  };
  const policyOf = async (client: KMSClient, keyId: string) =>
    (await client.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
  /** [key id, signing Region, account, access key kind] of each call of `operation` since the last reset. */
  const seenAs = (r: SeenRequest) => [
    (r.keyId ?? "").split("/").pop(),
    r.region,
    r.account,
    r.accessKeyId === PROFILE_KEY ? "profile" : r.accessKeyId.slice(0, 4),
  ];
  const seen = (operation: string) => proxy.requests.filter((r) => r.operation === operation).map(seenAs);
  /** Where each key of the scenario lives and with which credentials it is reached: [key id, Region, account, access key kind]. */
  const homes = () => [
    [keyA, "us-east-1", ACCOUNT_A, "profile"],
    [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
    [mrk, "eu-west-1", ACCOUNT_B, "ASIA"],
    [keyC.split("/").pop(), "eu-west-1", ACCOUNT_C, "ASIA"],
  ];
  /** Every KMS call since the last reset that was not signed for its key's home (none named no key). */
  const strayKmsCalls = () => {
    const allowed = new Set(homes().map((home) => JSON.stringify(home)));
    return proxy.requests
      .filter((r) => r.service === "kms")
      .map((r) => ({ operation: r.operation, where: seenAs(r) }))
      .filter((call) => !allowed.has(JSON.stringify(call.where)));
  };
  const withSid = (account: string, sid: string) =>
    appPolicy(account, [
      {
        Sid: sid,
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:role/${sid.toLowerCase()}` },
        Action: "kms:Decrypt",
        Resource: "*",
      },
    ]);

  const scenario = (extra: Scenario["keyPolicies"] = []): Scenario => ({
    keyPolicies: [
      // Account A through a profile, a bare id in the stack's Region.
      { name: "policy-a", args: { keyId: keyA, policy: withSid(ACCOUNT_A, "A"), profile: "account-a" } },
      // Account B through the stack's role: the primary by bare id (aws:region), its replica by the same bare id and region.
      { name: "primary", args: { keyId: mrk, policy: withSid(ACCOUNT_B, "Primary") } },
      { name: "replica", args: { keyId: mrk, region: "eu-west-1", policy: withSid(ACCOUNT_B, "Replica") } },
      // Account C through the resource's own role, by ARN.
      {
        name: "policy-c",
        args: { keyId: keyC, policy: withSid(ACCOUNT_C, "C"), assumeRole: { roleArn: ROLE_C, sessionName: "central-stack" } },
      },
      ...extra,
    ],
    grants: [
      // Cross-account: a key of account B, a grantee of account A.
      { name: "cross", args: { keyId: mrk, granteePrincipal: `arn:aws:iam::${ACCOUNT_A}:role/app`, operations: ["Decrypt"] } },
      {
        name: "to-b",
        args: {
          keyId: keyA,
          profile: "account-a",
          granteePrincipal: `arn:aws:iam::${ACCOUNT_B}:role/reader`,
          operations: ["Decrypt", "DescribeKey"],
        },
      },
    ],
  });

  before(async () => {
    const server = await moto();
    proxy = await new FaultProxy(server.endpoint).start();
    workspace = await Workspace.create(server);
    // Setup and assertions go straight to moto, so that the proxy sees only the provider's calls.
    asA = await kmsAs(server.endpoint, undefined);
    asB = await kmsAs(server.endpoint, ROLE_B);
    asBEu = await kmsAs(server.endpoint, ROLE_B, "eu-west-1");
    asCEu = await kmsAs(server.endpoint, ROLE_C, "eu-west-1");
    keyA = (await asA.send(new CreateKeyCommand({ Description: "account A" }))).KeyMetadata?.KeyId as string;
    mrk = (await asB.send(new CreateKeyCommand({ Description: "account B multi-Region", MultiRegion: true }))).KeyMetadata?.KeyId as string;
    await asB.send(new ReplicateKeyCommand({ KeyId: mrk, ReplicaRegion: "eu-west-1" }));
    keyC = (await asCEu.send(new CreateKeyCommand({ Description: "account C" }))).KeyMetadata?.Arn as string;
    for (const [name, client, id] of [
      ["a", asA, keyA],
      ["primary", asB, mrk],
      ["replica", asBEu, mrk],
      ["c", asCEu, keyC],
    ] as const)
      original.set(name, await policyOf(client, id));

    project = workspace.project("accounts", SCENARIO_PROGRAM);
    const credentials = path.join(workspace.dir, "aws-credentials");
    fs.writeFileSync(credentials, `[account-a]\naws_access_key_id = ${PROFILE_KEY}\naws_secret_access_key = ${PROFILE_SECRET}\n`);
    env = { AWS_ENDPOINT_URL_KMS: proxy.endpoint, AWS_ENDPOINT_URL_STS: proxy.endpoint, AWS_SHARED_CREDENTIALS_FILE: credentials };
    project.writeFile("scenario.json", JSON.stringify(scenario()));
    await project.initStack();
    await run(["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);
    await run(["config", "set", "--path", "kms-policy:assumeRole.roleArn", ROLE_B]);
  });

  after(async () => {
    workspace?.remove();
    await proxy?.stop();
  });

  it("pulumi up puts each policy and grant in its own account and Region (asserted by each call's signature), the two replicas apart", async () => {
    proxy.reset();
    await run(["up", "--yes"]);
    expect(seen("PutKeyPolicy")).to.have.deep.members([
      [keyA, "us-east-1", ACCOUNT_A, "profile"],
      [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
      [mrk, "eu-west-1", ACCOUNT_B, "ASIA"],
      [keyC.split("/").pop(), "eu-west-1", ACCOUNT_C, "ASIA"],
    ]);
    expect(seen("CreateGrant")).to.have.deep.members([
      [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
      [keyA, "us-east-1", ACCOUNT_A, "profile"],
    ]);
    // Every other KMS call of up too (DescribeKey, GetKeyPolicy, ListGrants, ...): each in its key's account and Region.
    expect(strayKmsCalls()).to.deep.equal([]);
    const operations = new Set(proxy.requests.filter((r) => r.service === "kms").map((r) => r.operation));
    for (const op of ["DescribeKey", "GetKeyPolicy", "PutKeyPolicy", "CreateGrant"]) expect(operations).to.include(op);
    // Each key was reached in its home, not only some of them.
    expect(new Set(proxy.requests.filter((r) => r.service === "kms").map((r) => JSON.stringify(seenAs(r))))).to.have.property("size", 4);
    // The roles were assumed with the default credentials, with the session name asked for (the default for the stack's role).
    const assumed = proxy.requests.filter((r) => r.operation === "AssumeRole");
    expect(new Set(assumed.map((r) => r.accessKeyId))).to.deep.equal(new Set([DUMMY_CREDENTIALS.accessKeyId]));
    expect(new Set(assumed.map((r) => `${String(r.body.RoleArn)} as ${String(r.body.RoleSessionName)}`))).to.deep.equal(
      new Set([`${ROLE_B} as pulumi-kms-policy`, `${ROLE_C} as central-stack`]),
    );
    expect(JSON.parse(await policyOf(asBEu, mrk))).to.deep.equal(withSid(ACCOUNT_B, "Replica"));
    expect(JSON.parse(await policyOf(asB, mrk))).to.deep.equal(withSid(ACCOUNT_B, "Primary"));
    expect(JSON.parse(await policyOf(asA, keyA))).to.deep.equal(withSid(ACCOUNT_A, "A"));
    expect(JSON.parse(await policyOf(asCEu, keyC))).to.deep.equal(withSid(ACCOUNT_C, "C"));
    const cross = (await allGrants(asB, mrk)).find((g) => g.Name === defaultNameOf("accounts", "cross"));
    expect(cross?.GranteePrincipal).to.equal(`arn:aws:iam::${ACCOUNT_A}:role/app`);
    expect((await allGrants(asA, keyA)).map((g) => g.GranteePrincipal)).to.deep.equal([`arn:aws:iam::${ACCOUNT_B}:role/reader`]);
  });

  it("the state records the role ARN (not a credential) and each key's ARN in its account and Region", async () => {
    const exported = await project.exportStack();
    const byName = Object.fromEntries(resourcesOfType(exported, KEY_POLICY_TYPE).map((r) => [r.urn.split("::").pop(), r.outputs ?? {}]));
    expect(byName.primary.keyArn).to.equal(`arn:aws:kms:us-east-1:${ACCOUNT_B}:key/${mrk}`);
    expect(byName.replica.keyArn).to.equal(`arn:aws:kms:eu-west-1:${ACCOUNT_B}:key/${mrk}`);
    expect(byName.primary.access).to.deep.equal({ assumeRole: { roleArn: ROLE_B } });
    expect(byName["policy-c"].access).to.deep.equal({ assumeRole: { roleArn: ROLE_C, sessionName: "central-stack" } });
    expect(byName["policy-a"].access).to.deep.equal({ profile: "account-a" });
    const grants = resourcesOfType(exported, GRANT_TYPE).map((r) => r.outputs ?? {});
    expect(grants.map((g) => g.access)).to.have.deep.members([{ assumeRole: { roleArn: ROLE_B } }, { profile: "account-a" }]);
  });

  it("a refresh reads every key in its own account and Region and finds no changes", async () => {
    proxy.reset();
    await run(["preview", "--refresh", "--expect-no-changes"]);
    expect(seen("GetKeyPolicy")).to.have.deep.members([
      [keyA, "us-east-1", ACCOUNT_A, "profile"],
      [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
      [mrk, "eu-west-1", ACCOUNT_B, "ASIA"],
      [keyC.split("/").pop(), "eu-west-1", ACCOUNT_C, "ASIA"],
    ]);
    expect(proxy.requests.filter((r) => r.operation === "ListGrants").map((r) => [r.region, r.account])).to.have.deep.members([
      ["us-east-1", ACCOUNT_B],
      ["us-east-1", ACCOUNT_A],
    ]);
    expect(strayKmsCalls()).to.deep.equal([]);
  });

  it("kms-policy drift uses each resource's recorded role, reports account and Region, and catches drift on one replica only", async () => {
    await asBEu.send(
      new PutKeyPolicyCommand({ KeyId: mrk, PolicyName: "default", Policy: JSON.stringify(withSid(ACCOUNT_B, "Intruder")) }),
    );
    const exported = (await run(["stack", "export"])).stdout;
    const bin = path.join(workspace.dir, "node_modules", ".bin", "kms-policy");
    // Not spawnSync: the proxy that answers the command runs in this process.
    const drift = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(bin, ["drift", "-", ...args], { env: workspace.env(env) });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d));
        child.stderr.on("data", (d: Buffer) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => {
          outputs.push(stdout, stderr);
          resolve({ status, stdout, stderr });
        });
        child.stdin.end(exported);
      });
    proxy.reset();
    const result = await drift([]);
    expect(result.status, result.stdout + result.stderr).to.equal(1);
    expect(result.stdout).to.contain("6 resources: 5 in sync, 1 drifted");
    expect(result.stdout).to.match(
      new RegExp(`drifted\\s+KeyPolicy replica\\s+\\(account ${ACCOUNT_B}, eu-west-1: arn:aws:kms:eu-west-1:${ACCOUNT_B}:key/${mrk}\\)`),
    );
    expect(result.stdout).to.match(new RegExp(`in-sync\\s+KeyPolicy primary\\s+\\(account ${ACCOUNT_B}, us-east-1:`));
    expect(result.stdout).to.match(new RegExp(`in-sync\\s+KeyPolicy policy-c\\s+\\(account ${ACCOUNT_C}, eu-west-1:`));
    const policyReads = seen("GetKeyPolicy").map((r) => JSON.stringify(r));
    expect([...new Set(policyReads)].map((r) => JSON.parse(r) as unknown)).to.have.deep.members([
      [keyA, "us-east-1", ACCOUNT_A, "profile"],
      [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
      [mrk, "eu-west-1", ACCOUNT_B, "ASIA"],
      [keyC.split("/").pop(), "eu-west-1", ACCOUNT_C, "ASIA"],
    ]);
    // The drifted replica is read until KMS answers the same five times in a row; each key in sync, once.
    expect(policyReads.filter((r) => r === JSON.stringify([mrk, "eu-west-1", ACCOUNT_B, "ASIA"]))).to.have.length(SETTLED_READS);
    expect(policyReads).to.have.length(3 + SETTLED_READS);
    expect(strayKmsCalls()).to.deep.equal([]);

    // From a central audit role instead: every call is made as that role, in account B.
    proxy.reset();
    const audit = await drift(["--assume-role", ROLE_AUDIT, "--format", "json"]);
    const report = JSON.parse(audit.stdout) as { resources: Array<{ name: string; status: string; account: string; region: string }> };
    expect(report.resources.find((r) => r.name === "replica")).to.include({ status: "drifted", account: ACCOUNT_B, region: "eu-west-1" });
    expect(report.resources.find((r) => r.name === "primary")).to.include({ status: "in-sync" });
    expect(
      proxy.requests.filter((r) => r.service === "kms").every((r) => r.account === ACCOUNT_B && r.accessKeyId.startsWith("ASIA")),
    ).to.equal(true);
    expect(proxy.requests.filter((r) => r.operation === "AssumeRole")).to.have.length.greaterThan(0);
    await asBEu.send(new PutKeyPolicyCommand({ KeyId: mrk, PolicyName: "default", Policy: JSON.stringify(withSid(ACCOUNT_B, "Replica")) }));
  });

  it("a role that cannot be assumed fails at its first call, naming the role, STS's error and the fix; no KMS call is made with it", async () => {
    project.writeFile(
      "scenario.json",
      JSON.stringify(
        scenario([
          {
            name: "refused",
            args: {
              keyId: REFUSED_KEY,
              policy: withSid("444455556666", "X"),
              assumeRole: { roleArn: ROLE_REFUSED },
            },
          },
        ]),
      ),
    );
    proxy.reset({ refuseAssumeRole: [ROLE_REFUSED] });
    const result = await run(["up", "--yes"], false);
    expect(result.code).to.not.equal(0);
    expect(result.output).to.contain(`could not assume role ${ROLE_REFUSED}`);
    expect(result.output).to.contain("AccessDenied");
    expect(result.output).to.contain("Fix: the role's trust policy must allow sts:AssumeRole");
    // The role was asked for, and refused...
    expect(proxy.requests.filter((r) => r.operation === "AssumeRole").map((r) => r.body.RoleArn)).to.include(ROLE_REFUSED);
    // ...and no KMS call was made for that resource: none names its key, under any credentials, and
    // none was made with the default credentials (the role's source; no resource uses them directly).
    const kms = proxy.requests.filter((r) => r.service === "kms");
    expect(kms.filter((r) => (r.keyId ?? "").endsWith(REFUSED_KEY)).map((r) => r.operation)).to.deep.equal([]);
    expect(kms.filter((r) => r.accessKeyId === DUMMY_CREDENTIALS.accessKeyId).map((r) => r.operation)).to.deep.equal([]);
    expect(strayKmsCalls()).to.deep.equal([]);
    project.writeFile("scenario.json", JSON.stringify(scenario()));
    proxy.reset();
    await run(["up", "--yes"]);
  });

  it("no credential (default, profile or assumed) appears in `pulumi stack export`, the backend files or any output", async () => {
    const exported = [JSON.stringify(await project.exportStack(false)), JSON.stringify(await project.exportStack(true))];
    const onDisk = workspace.backendText();
    const secrets = [DUMMY_CREDENTIALS.secretAccessKey, DUMMY_CREDENTIALS.sessionToken, PROFILE_SECRET, ...proxy.issuedSecrets];
    expect(proxy.issuedSecrets.length).to.be.greaterThan(2);
    for (const text of [...exported, onDisk, ...outputs]) {
      for (const secret of secrets) expect(text.includes(secret), `a credential (${secret.slice(0, 4)}...) leaked`).to.equal(false);
    }
  });

  it("pulumi destroy reaches every account and Region: policies restored, grants revoked", async () => {
    proxy.reset();
    await run(["destroy", "--yes"]);
    expect(await policyOf(asA, keyA)).to.equal(original.get("a"));
    expect(await policyOf(asB, mrk)).to.equal(original.get("primary"));
    expect(await policyOf(asBEu, mrk)).to.equal(original.get("replica"));
    expect(await policyOf(asCEu, keyC)).to.equal(original.get("c"));
    expect(await allGrants(asB, mrk)).to.deep.equal([]);
    expect(await allGrants(asA, keyA)).to.deep.equal([]);
    expect(seen("RevokeGrant")).to.have.deep.members([
      [mrk, "us-east-1", ACCOUNT_B, "ASIA"],
      [keyA, "us-east-1", ACCOUNT_A, "profile"],
    ]);
    // The restores were put in each key's own account and Region, not only found there afterwards.
    expect(seen("PutKeyPolicy")).to.have.deep.members(homes());
    expect(strayKmsCalls()).to.deep.equal([]);
  });
});

import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { policiesEquivalent } from "../../provider/policy";
import { defaultKeyPolicy } from "../../provider/aws/keyPolicyFacts";
import { DUMMY_CREDENTIALS, MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy, FaultKind } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { Project, PulumiResult, Workspace, resourcesOfType } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../provider/resourceTypes";

const ALL_FAULTS: FaultKind[] = ["throttle", "internal", "dependency-timeout", "drop-before", "drop-after"];

describe("e2e: reliability under KMS faults and crashes", function () {
  this.timeout(900_000);
  let workspace: Workspace;
  let proxy: FaultProxy;
  let kms: KMSClient;
  let project: Project;
  let keys: Array<{ keyId: string; arn: string }>;
  let originalPolicies: string[];
  const outputs: string[] = [];
  const onDelete = ["restore", "default", "retain"] as const;

  const scenario = (grantCount: number, extraStatement?: Record<string, unknown>, extraGrants: string[] = []): Scenario => ({
    keyPolicies: keys.map((k, i) => ({
      name: `policy-${i}`,
      args: {
        keyId: k.keyId,
        policy: appPolicy(MOTO_ACCOUNT_ID, i === 0 && extraStatement ? [extraStatement] : []),
        onDelete: onDelete[i],
        readBackTimeoutSeconds: 30,
      },
    })),
    grants: [...Array.from({ length: grantCount }, (_, i) => `g${String(i).padStart(2, "0")}`), ...extraGrants].map((name, i) => ({
      name,
      args: {
        keyId: keys[i % keys.length].arn,
        granteePrincipal: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${name}`,
        operations: ["Decrypt", "Encrypt"],
      },
    })),
  });
  const setScenario = (s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s));
  const viaProxy = { AWS_ENDPOINT_URL_KMS: "" };
  const run = async (args: string[]): Promise<PulumiResult> => {
    const r = await project.pulumi(args, viaProxy);
    outputs.push(r.output);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.output.slice(-4000)}`);
    return r;
  };
  /** Grant names on all keys, sorted, duplicates kept. */
  const liveGrantNames = async () =>
    (await Promise.all(keys.map((k) => allGrants(kms, k.keyId))))
      .flat()
      .map((g) => g.Name as string)
      .sort();
  const declaredNames = (s: Scenario) => (s.grants ?? []).map((g) => `reliability-e2e-${g.name}`).sort();
  const livePolicy = async (k: { keyId: string }) =>
    (await kms.send(new GetKeyPolicyCommand({ KeyId: k.keyId, PolicyName: "default" }))).Policy as string;

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    proxy = await new FaultProxy(server.endpoint, 20261122).start();
    viaProxy.AWS_ENDPOINT_URL_KMS = proxy.endpoint;
    kms = testKms(server);
    keys = [await createKey(kms), await createKey(kms), await createKey(kms)];
    originalPolicies = await Promise.all(keys.map(livePolicy));
    project = workspace.project("reliability", SCENARIO_PROGRAM);
    await project.initStack();
  });

  after(async () => {
    await proxy?.stop();
    workspace?.remove();
  });

  /**
   * The first cases build on one stack: 3 KeyPolicies and 50 Grants deployed under faults. Each case
   * that needs it awaits `converged()`, which deploys it once per run; so a case picked alone with
   * `--grep` first builds what it builds on, and in a full run the stack is deployed once.
   */
  let convergence: Promise<void> | undefined;
  const converged = () => (convergence ??= deployUnderFaults());
  const deployUnderFaults = async () => {
    const s = scenario(50);
    setScenario(s);
    proxy.reset({ faults: [{ rate: 0.2, kinds: ALL_FAULTS }] });
    await run(["up", "--yes", "--parallel", "16"]);
    console.log(
      `      calls: ${JSON.stringify(Object.fromEntries(proxy.calls))}; faults: ${JSON.stringify(Object.fromEntries(proxy.faultsInjected))}`,
    );
    expect([...proxy.faultsInjected.values()].reduce((a, b) => a + b, 0)).to.be.greaterThan(20);
    expect(await liveGrantNames()).to.deep.equal(declaredNames(s));
    for (const k of keys) expect(policiesEquivalent(await livePolicy(k), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
  };

  it("pulumi up of 3 KeyPolicies and 50 Grants converges with 20% of calls failing; exactly the declared grants exist", async () => {
    await converged();
  });

  it("a refresh under the same faults still finds no changes", async () => {
    await converged();
    proxy.reset({ faults: [{ rate: 0.2, kinds: ALL_FAULTS }] });
    const r = await project.pulumi(["preview", "--refresh", "--expect-no-changes"], viaProxy);
    outputs.push(r.output);
    expect(r.code, r.output.slice(-3000)).to.equal(0);
  });

  it("the read-back after PutKeyPolicy waits out a KMS that keeps returning the old policy", async () => {
    await converged();
    const extra = {
      Sid: "Auditors",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/auditor` },
      Action: "kms:DescribeKey",
      Resource: "*",
    };
    setScenario(scenario(50, extra));
    proxy.reset({ staleGetKeyPolicyReads: 3 });
    await run(["up", "--yes"]);
    expect(proxy.count("GetKeyPolicy")).to.be.at.least(4);
    expect(policiesEquivalent(await livePolicy(keys[0]), appPolicy(MOTO_ACCOUNT_ID, [extra]))).to.equal(true);
  });

  it("a pulumi up killed while creating grants, then run again, leaves no duplicate grant", async () => {
    await converged();
    const extra = Array.from({ length: 20 }, (_, i) => `late${String(i).padStart(2, "0")}`);
    const s = scenario(50, undefined, extra);
    setScenario(s);
    proxy.reset({ latencyMs: { CreateGrant: 300 } });
    const killed = project.start(["up", "--yes", "--skip-preview"], viaProxy);
    const deadline = Date.now() + 120_000;
    while (proxy.count("CreateGrant") < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    killed.kill();
    await killed.exited;
    expect(proxy.count("CreateGrant")).to.be.at.least(6);
    proxy.reset();
    // The recovery a person would run after a crash: release the dead run's lock, drop its pending creates.
    await run(["cancel", "--yes"]);
    await run(["refresh", "--yes", "--clear-pending-creates"]);
    await run(["up", "--yes"]);
    const names = await liveGrantNames();
    expect(names).to.deep.equal(declaredNames(s));
    expect(new Set(names).size).to.equal(names.length);
  });

  it("pulumi destroy under faults leaves no grant, and each key policy as onDelete says", async () => {
    await converged();
    proxy.reset({ faults: [{ rate: 0.2, kinds: ALL_FAULTS }] });
    await run(["destroy", "--yes"]);
    expect(await liveGrantNames()).to.deep.equal([]);
    expect(await livePolicy(keys[0])).to.equal(originalPolicies[0]);
    expect(policiesEquivalent(await livePolicy(keys[1]), defaultKeyPolicy(keys[1].arn))).to.equal(true);
    expect(policiesEquivalent(await livePolicy(keys[2]), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
  });

  it("no grant token or AWS credential in the exported state, the backend files, or any CLI output", async () => {
    setScenario(scenario(3));
    proxy.reset();
    await run(["up", "--yes"]);
    const plain = await project.exportStack(true);
    const tokens = resourcesOfType(plain, GRANT_TYPE).map(
      (r) => JSON.parse((r.outputs?.grantToken as { plaintext: string }).plaintext) as string,
    );
    expect(tokens).to.have.length(3);
    const exported = JSON.stringify(await project.exportStack(false));
    const onDisk = readTree(workspace.backend);
    const everything = [exported, onDisk, ...outputs];
    for (const secret of [...tokens, ...Object.values(DUMMY_CREDENTIALS)]) {
      for (const text of everything) expect(text.includes(secret), `found ${secret}`).to.equal(false);
    }
    await run(["destroy", "--yes"]);
  });

  it("a create whose PutKeyPolicy landed but could not be undone stays in the stack; up finishes it, destroy restores", async () => {
    const key = await createKey(kms);
    const before = await livePolicy(key);
    setScenario({
      keyPolicies: [{ name: "half-done", args: { keyId: key.keyId, policy: appPolicy(MOTO_ACCOUNT_ID), readBackTimeoutSeconds: 0 } }],
    });
    // The read-back never sees the new policy, and every PutKeyPolicy after the first one fails.
    proxy.reset({ staleGetKeyPolicyReads: 1000, faults: [{ operations: ["PutKeyPolicy"], rate: 1, kinds: ["internal"], skip: 1 }] });
    const failed = await project.pulumi(["up", "--yes"], viaProxy);
    outputs.push(failed.output);
    expect(failed.code, failed.output.slice(-3000)).to.not.equal(0);
    expect(failed.output).to.contain("Putting the key's previous policy back failed as well");
    expect(policiesEquivalent(await livePolicy(key), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
    const [kept] = resourcesOfType(await project.exportStack(), KEY_POLICY_TYPE);
    expect(kept?.outputs?.previousPolicy).to.equal(before);
    expect(kept?.initErrors).to.have.length(1);

    proxy.reset();
    await run(["up", "--yes"]);
    const after = await project.pulumi(["preview", "--refresh", "--expect-no-changes"], viaProxy);
    expect(after.code, after.output.slice(-3000)).to.equal(0);
    await run(["destroy", "--yes"]);
    expect(await livePolicy(key)).to.equal(before);
  });

  it("a grant made while its duplicate check keeps failing stays in the stack, token secret; up clears it, destroy revokes it", async () => {
    const key = await createKey(kms);
    setScenario({
      grants: [
        {
          name: "half-done",
          args: { keyId: key.arn, granteePrincipal: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/half-done`, operations: ["Decrypt"] },
        },
      ],
    });
    proxy.reset({ faults: [{ operations: ["ListGrants"], rate: 1, kinds: ["internal"] }] });
    const failed = await project.pulumi(["up", "--yes"], viaProxy);
    outputs.push(failed.output);
    expect(failed.code, failed.output.slice(-3000)).to.not.equal(0);
    expect(failed.output).to.contain("the check for duplicates of it failed");
    const live = await allGrants(kms, key.keyId);
    expect(live).to.have.length(1);
    const [kept] = resourcesOfType(await project.exportStack(true), GRANT_TYPE);
    expect(kept?.id).to.equal(live[0].GrantId);
    expect(kept?.initErrors).to.have.length(1);
    const token = JSON.parse((kept?.outputs?.grantToken as { plaintext: string }).plaintext) as string;
    expect(JSON.stringify(await project.exportStack(false))).to.not.contain(token);

    proxy.reset();
    await run(["up", "--yes"]);
    const after = await project.pulumi(["preview", "--refresh", "--expect-no-changes"], viaProxy);
    expect(after.code, after.output.slice(-3000)).to.equal(0);
    expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId)).to.deep.equal([live[0].GrantId]);
    await run(["destroy", "--yes"]);
    expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
  });
});

function readTree(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? readTree(path.join(dir, e.name)) : fs.readFileSync(path.join(dir, e.name), "latin1")))
    .join("\n");
}

import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { policiesEquivalent } from "../../provider/policy";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";
import { Project, PulumiResult, Workspace, resourcesOfType } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";

const KEY_POLICY_TYPE = "pulumi-nodejs:dynamic/kms:KeyPolicy";
const PROPAGATION_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Who may decide what a KeyPolicy's destroy restores, through the real CLI, every KMS call going
 * through the proxy in its KMS-faithful mode (stale answers, not strictly alternating, for a
 * while after each put): tags left by a resource removed with `pulumi state delete`, a `pulumi up`
 * killed mid-create, and a rename whose claim KMS refuses.
 */
describe("e2e: KeyPolicy ownership through the pulumi CLI (state delete, a kill, a refused claim)", function () {
  this.timeout(900_000);
  let workspace: Workspace;
  let proxy: FaultProxy;
  let kms: KMSClient;
  const viaProxy = { AWS_ENDPOINT_URL_KMS: "" };
  const statement = (sid: string) => ({
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${sid.toLowerCase()}` },
    Action: "kms:Decrypt",
    Resource: "*",
  });
  const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" };
  const rootOnly = () => ({ Version: "2012-10-17", Statement: [root] as Record<string, unknown>[] });
  const livePolicy = async (keyId: string) =>
    (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
  const putDirect = (keyId: string, policy: unknown) =>
    kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
  const sids = (text: string) =>
    (JSON.parse(text) as { Statement: Array<{ Sid: string }> }).Statement.map((s) => s.Sid)
      .sort()
      .join(",");
  const keyPolicy = (name: string, keyId: string, extra: Record<string, unknown>[] = []) => ({
    name,
    args: { keyId, policy: appPolicy(MOTO_ACCOUNT_ID, extra), readBackTimeoutSeconds: 30 },
  });
  const project = async (name: string) => {
    const p = workspace.project(name, SCENARIO_PROGRAM);
    await p.initStack();
    return p;
  };
  const run = async (p: Project, args: string[]): Promise<PulumiResult> => {
    const r = await p.pulumi(args, viaProxy);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.output.slice(-4000)}`);
    return r;
  };
  const setScenario = (p: Project, s: Scenario) => p.writeFile("scenario.json", JSON.stringify(s, null, 2));

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    proxy = await new FaultProxy(server.endpoint, 20261206, { policyPropagationMs: PROPAGATION_MS, staleAnswers: "oono" }).start();
    viaProxy.AWS_ENDPOINT_URL_KMS = proxy.endpoint;
    kms = testKms(server);
  });
  beforeEach(() => proxy.reset());
  after(async () => {
    await proxy?.stop();
    workspace?.remove();
  });

  it("after pulumi state delete and a hand edit, a new KeyPolicy on the key records the live policy, names the owner it found, and destroy does not bring back the removed principal", async () => {
    const key = await createKey(kms, "e2e stale tags");
    await putDirect(key.keyId, { ...rootOnly(), Statement: [...rootOnly().Statement, statement("OldContractor")] });
    const p = await project("stale-tags");
    setScenario(p, { keyPolicies: [keyPolicy("policy", key.keyId)] });
    await run(p, ["up", "--yes"]);
    const [resource] = resourcesOfType(await p.exportStack(), KEY_POLICY_TYPE);
    await run(p, ["state", "delete", resource.urn, "--yes"]);
    // The security team removes the contractor by hand; the first stack's tags stay on the key.
    await sleep(PROPAGATION_MS);
    await putDirect(key.keyId, rootOnly());
    setScenario(p, { keyPolicies: [keyPolicy("policy-again", key.keyId)] });
    const up = await run(p, ["up", "--yes"]);
    expect(up.output).to.contain(`owner ${resource.outputs?.ownerId}`);
    expect(up.output).to.contain("so its tags are not trusted");
    const [again] = resourcesOfType(await p.exportStack(), KEY_POLICY_TYPE);
    expect(sids(again.outputs?.previousPolicy as string)).to.equal("Root");
    await sleep(PROPAGATION_MS);
    await run(p, ["destroy", "--yes"]);
    await sleep(PROPAGATION_MS);
    expect(sids(await livePolicy(key.keyId))).to.equal("Root");
  });

  it("a pulumi up killed after its PutKeyPolicy, then recovered (cancel, refresh --clear-pending-creates, up): destroy restores the key's original policy", async () => {
    const key = await createKey(kms, "e2e killed create");
    const original = { ...rootOnly(), Statement: [...rootOnly().Statement, statement("LegacyReader")] };
    await putDirect(key.keyId, original);
    await sleep(PROPAGATION_MS);
    const p = await project("killed");
    setScenario(p, { keyPolicies: [keyPolicy("policy", key.keyId)] });
    // Reads slow enough that the kill lands during the read-back after the put.
    proxy.reset({ latencyMs: { GetKeyPolicy: 1500 } });
    const killed = p.start(["up", "--yes", "--skip-preview"], viaProxy);
    const deadline = Date.now() + 300_000;
    while (proxy.count("PutKeyPolicy") < 1 && Date.now() < deadline) await sleep(50);
    // The whole run dies, the provider process with it (a CI timeout, an OOM kill).
    killed.killTree();
    await killed.exited;
    expect(proxy.count("PutKeyPolicy")).to.equal(1);
    proxy.reset();
    await run(p, ["cancel", "--yes"]);
    await run(p, ["refresh", "--yes", "--clear-pending-creates"]);
    const up = await run(p, ["up", "--yes"]);
    expect(up.output, up.output).to.contain("a create that never finished");
    const [resource] = resourcesOfType(await p.exportStack(), KEY_POLICY_TYPE);
    expect(sids(resource.outputs?.previousPolicy as string)).to.equal("LegacyReader,Root");
    await sleep(PROPAGATION_MS);
    await run(p, ["destroy", "--yes"]);
    await sleep(PROPAGATION_MS);
    expect(sids(await livePolicy(key.keyId))).to.equal("LegacyReader,Root");
  });

  it("a rename whose claim KMS refuses fails the up and leaves the key as it was; once allowed, the rename completes and destroy restores the pre-stack policy", async () => {
    const key = await createKey(kms, "e2e refused claim");
    const preStack = await livePolicy(key.keyId);
    const p = await project("refused-claim");
    setScenario(p, { keyPolicies: [keyPolicy("policy", key.keyId)] });
    await run(p, ["up", "--yes"]);
    await sleep(PROPAGATION_MS);
    const renamed = appPolicy(MOTO_ACCOUNT_ID, [statement("Auditor")]);
    setScenario(p, { keyPolicies: [{ name: "policy-renamed", args: { keyId: key.keyId, policy: renamed, readBackTimeoutSeconds: 30 } }] });
    proxy.reset({ faults: [{ operations: ["TagResource"], rate: 1, kinds: ["access-denied"] }] });
    const refused = await p.pulumi(["up", "--yes"], viaProxy);
    expect(refused.code).to.not.equal(0);
    expect(refused.output).to.contain("could not record itself as the owner");
    expect(proxy.count("PutKeyPolicy")).to.equal(0);
    expect(policiesEquivalent(await livePolicy(key.keyId), appPolicy(MOTO_ACCOUNT_ID))).to.equal(true);
    proxy.reset();
    await run(p, ["up", "--yes"]);
    await sleep(PROPAGATION_MS);
    expect(policiesEquivalent(await livePolicy(key.keyId), renamed)).to.equal(true);
    await run(p, ["refresh", "--yes"]);
    const [resource] = resourcesOfType(await p.exportStack(), KEY_POLICY_TYPE);
    expect(policiesEquivalent(resource.outputs?.previousPolicy as string, preStack, { tolerant: true })).to.equal(true);
    await run(p, ["destroy", "--yes"]);
    await sleep(PROPAGATION_MS);
    expect(policiesEquivalent(await livePolicy(key.keyId), preStack, { tolerant: true })).to.equal(true);
  });
});

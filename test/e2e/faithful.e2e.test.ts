import { GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import * as crypto from "crypto";
import { policiesEquivalent } from "../../provider/policy";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { Project, Workspace, resourcesOfType } from "../support/workspace";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../provider/resourceTypes";

const LISTING_DELAY_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The lifecycles' KMS-dependent paths through the real CLI, with every KMS call going through the proxy in
 * its KMS-faithful mode: CreateGrant deduplicates by Name, ListGrants pages (2 a page here) and
 * lists new grants late, GetKeyPolicy answers re-serialized and, for a while after a put, stale.
 */
describe("e2e: the KMS-faithful mode through the pulumi CLI", function () {
  this.timeout(600_000);
  let workspace: Workspace;
  let kms: KMSClient;
  let project: Project;
  let key: { keyId: string; arn: string };
  let preStack: string;
  const urn = (type: string, name: string) => `urn:pulumi:e2e::faithful::${type}::${name}`;
  const setScenario = (s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s, null, 2));
  const livePolicy = async () => (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
  const grantee = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/reader`;
  const grant = (name: string, keyId: string, extra: Record<string, unknown> = {}) => ({
    name,
    args: { keyId, granteePrincipal: grantee, operations: ["Decrypt"], name: "faithful-reader", ...extra },
  });
  const keyPolicy = (name: string, keyId: string, extra: Record<string, unknown>[] = []) => ({
    name,
    args: { keyId, policy: appPolicy(MOTO_ACCOUNT_ID, extra), readBackTimeoutSeconds: 30 },
  });
  const stateGrantIds = async () => resourcesOfType(await project.exportStack(), GRANT_TYPE).map((r) => r.outputs?.grantId);

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server, {
      faithful: { pageSize: 2, grantListingDelayMs: LISTING_DELAY_MS, policyPropagationMs: 2000 },
    });
    kms = testKms(server);
    key = await createKey(kms, "e2e faithful");
    preStack = await livePolicy();
    project = workspace.project("faithful", SCENARIO_PROGRAM);
    await project.initStack();
  });

  after(() => workspace?.remove());

  it("after pulumi up --replace of a Grant, and after a rename without an alias, exactly one live grant exists: the one in the state", async () => {
    setScenario({ keyPolicies: [keyPolicy("policy", key.keyId)], grants: [grant("reader", key.arn)] });
    await project.ok(["up", "--yes"]);
    const [original] = await stateGrantIds();
    // At once, while KMS does not list the new grant yet: KMS hands the replacement the same grant
    // (CreateGrant's Name rule), and the delete of the resource replaced must leave it alone.
    const replaced = await project.ok(["up", "--yes", "--replace", urn(GRANT_TYPE, "reader")]);
    expect(replaced.output).to.match(/replaced/);
    const afterReplace = (await allGrants(kms, key.keyId)).map((g) => g.GrantId);
    expect(afterReplace).to.deep.equal([original]);
    expect(await stateGrantIds()).to.deep.equal(afterReplace);

    await sleep(LISTING_DELAY_MS);
    setScenario({ keyPolicies: [keyPolicy("policy", key.keyId)], grants: [grant("reader-moved", key.arn)] });
    await project.ok(["up", "--yes"]);
    const afterRename = (await allGrants(kms, key.keyId)).map((g) => g.GrantId);
    expect(afterRename).to.deep.equal([original]);
    expect(await stateGrantIds()).to.deep.equal(afterRename);
    // The grant stays usable: a refresh finds it, and nothing changes.
    const check = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
    expect(check.code, check.output).to.equal(0);
  });

  it("a KeyPolicy renamed without an alias, then replaced, leaves the declared policy; destroy restores the pre-stack policy", async () => {
    const declared = appPolicy(MOTO_ACCOUNT_ID, [
      {
        Sid: "Audit",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/audit` },
        Action: "kms:DescribeKey",
        Resource: "*",
      },
    ]);
    setScenario({
      keyPolicies: [{ name: "policy-moved", args: { keyId: key.keyId, policy: declared, readBackTimeoutSeconds: 30 } }],
      grants: [grant("reader-moved", key.arn)],
    });
    await project.ok(["up", "--yes"]);
    await sleep(2000);
    expect(policiesEquivalent(await livePolicy(), declared)).to.equal(true);
    await project.ok(["up", "--yes", "--replace", urn(KEY_POLICY_TYPE, "policy-moved")]);
    await sleep(2000);
    expect(policiesEquivalent(await livePolicy(), declared)).to.equal(true);
    // The replaced resource's delete handed its pre-stack policy over through the key's tags; a
    // refresh records it in the state (docs/key-policy.md, "Replacing and renaming").
    await project.ok(["refresh", "--yes"]);
    const [state] = resourcesOfType(await project.exportStack(), KEY_POLICY_TYPE);
    expect(policiesEquivalent(state.outputs?.previousPolicy as string, preStack)).to.equal(true);
  });

  it("grantTokens given as inputs are secret in pulumi stack export and in the backend files", async () => {
    const token = `faithful-token-${crypto.randomBytes(12).toString("hex")}`;
    setScenario({
      grants: [grant("reader-moved", key.arn), grant("with-tokens", key.arn, { name: "faithful-tokens", grantTokens: [token] })],
    });
    await project.ok(["up", "--yes"]);
    // The control: the tokens are in the state, as a secret that --show-secrets reveals.
    expect(JSON.stringify(await project.exportStack(true))).to.contain(token);
    expect(JSON.stringify(await project.exportStack())).to.not.contain(token);
    expect(workspace.backendText()).to.not.contain(token);
    // A refresh records the inputs read returns: still no plaintext token anywhere.
    await project.ok(["refresh", "--yes"]);
    expect(JSON.stringify(await project.exportStack())).to.not.contain(token);
    expect(workspace.backendText()).to.not.contain(token);
  });

  it("keyId changed between the key id and its ARN is no change: preview --expect-no-changes passes for KeyPolicy and Grant", async () => {
    setScenario({ keyPolicies: [keyPolicy("policy", key.keyId)], grants: [grant("reader", key.keyId)] });
    await project.ok(["up", "--yes"]);
    setScenario({ keyPolicies: [keyPolicy("policy", key.arn)], grants: [grant("reader", key.arn)] });
    const preview = await project.pulumi(["preview", "--expect-no-changes"]);
    expect(preview.code, preview.output).to.equal(0);
    await project.ok(["destroy", "--yes"]);
    await sleep(2000);
    expect(policiesEquivalent(await livePolicy(), preStack)).to.equal(true);
    expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
  });
});

import { GetKeyPolicyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { policiesEquivalent } from "../../provider/policy";
import { findStatement, removeStatement, statementDocument, statementSids, statementText } from "../../provider/policy/statementMerge";
import { KEY_POLICY_STATEMENT_TYPE } from "../../provider/resourceTypes";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";
import { FAITHFUL_DEFAULTS, KMS_MODES, Project, Workspace, resourcesOfType } from "../support/workspace";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, Scenario, appPolicy } from "./program";

const ROOT = "Enable IAM User Permissions";
const root = { Sid: ROOT, Effect: "Allow", Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" };
const handWritten = {
  Sid: "HandWritten",
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ops` },
  Action: "kms:Encrypt",
  Resource: "*",
};
const allows = (sid: string, role: string, actions: string[] = ["kms:Decrypt"]) => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${role}` },
  Action: actions,
  Resource: "*",
});
const policyOf = (...statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements }, null, 2);
/** Whether the policy's statement with this Sid means `expected`. */
const holds = (policy: string, expected: { Sid: string } & Record<string, unknown>) => {
  const found = findStatement(policy, expected.Sid);
  return (
    found !== undefined &&
    policiesEquivalent(statementDocument(statementText(found)), statementDocument(JSON.stringify(expected)), { tolerant: true })
  );
};

/** Two stacks of one key, each its own project, the test's own client to read and edit the key behind them. */
async function twoStacks(faithful: typeof FAITHFUL_DEFAULTS | false, name: string) {
  const server = await moto();
  const workspace = await Workspace.create(server, { faithful });
  const kms = testKms(server);
  const key = await createKey(kms, `e2e ${name}`);
  await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policyOf(root, handWritten) }));
  const a = workspace.project(`${name}-a`, SCENARIO_PROGRAM);
  const b = workspace.project(`${name}-b`, SCENARIO_PROGRAM);
  for (const p of [a, b]) {
    p.writeFile("scenario.json", "{}");
    await p.initStack();
  }
  const live = async () => (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
  const putLive = (policy: string) => kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy }));
  return { workspace, kms, key, a, b, live, putLive };
}

const setScenario = (project: Project, s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s, null, 2));
const statements = (keyId: string, ...list: Array<{ name: string; statement: unknown; adopt?: boolean }>): Scenario => ({
  keyPolicyStatements: list.map(({ name, statement, adopt }) => ({ name, args: { keyId, statement, ...(adopt ? { adopt } : {}) } })),
});

for (const mode of KMS_MODES)
  describe(`e2e: KeyPolicyStatement with the pulumi CLI on ${mode.name}`, function () {
    this.timeout(600_000);
    let s: Awaited<ReturnType<typeof twoStacks>>;
    const appA = allows("AppA", "app-a");
    const appB = allows("AppB", "app-b");
    const sids = async () => [...statementSids(await s.live())].sort();

    before(async () => {
      s = await twoStacks(mode.faithful, "shared");
    });
    after(() => s?.workspace.remove());

    it("two stacks each merge their statement into one key; the root and hand-written statements stay", async () => {
      setScenario(s.a, statements(s.key.keyId, { name: "app-a", statement: appA }));
      setScenario(s.b, statements(s.key.arn, { name: "app-b", statement: JSON.stringify(appB) }));
      await s.a.ok(["up", "--yes"]);
      await s.b.ok(["up", "--yes"]);
      expect(await sids()).to.deep.equal(["AppA", "AppB", ROOT, "HandWritten"].sort());
      const policy = await s.live();
      expect(holds(policy, appA) && holds(policy, appB) && holds(policy, handWritten) && holds(policy, root)).to.equal(true);
      const [resource] = resourcesOfType(await s.a.exportStack(), KEY_POLICY_STATEMENT_TYPE);
      expect(resource.outputs).to.deep.include({ keyArn: s.key.arn, sid: "AppA" });
      expect(String(resource.inputs?.__provider)).to.contain("pulumi-kms-policy/runtime/key-policy-statement");
    });

    it("an update in one stack replaces only its statement, shown statement by statement in preview", async () => {
      const wider = allows("AppA", "app-a", ["kms:Decrypt", "kms:GenerateDataKey"]);
      setScenario(s.a, statements(s.key.keyId, { name: "app-a", statement: wider }));
      const preview = await s.a.ok(["preview"]);
      expect(preview.output).to.contain("statement will change");
      expect(preview.output).to.contain("statement AppA");
      expect(preview.output).to.not.match(/replace/);
      await s.a.ok(["up", "--yes"]);
      const policy = await s.live();
      expect(holds(policy, wider) && holds(policy, appB) && holds(policy, handWritten)).to.equal(true);
      setScenario(s.a, statements(s.key.keyId, { name: "app-a", statement: appA }));
      await s.a.ok(["up", "--yes"]);
    });

    it("another owner's or a hand-written statement changing is no drift; its own statement removed is drift that up puts back", async () => {
      const edited = (await s.live()).replace('"kms:Encrypt"', '"kms:Sign"');
      await s.putLive(removeStatement(edited, "AppB"));
      const quiet = await s.a.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(quiet.code, quiet.output).to.equal(0);
      const drifted = await s.b.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(drifted.code, drifted.output).to.not.equal(0);
      expect(drifted.output).to.contain("drifted from the stack (it was removed)");
      expect(drifted.output).to.contain("statement AppB");
      await s.b.ok(["up", "--yes", "--refresh"]);
      const policy = await s.live();
      expect(holds(policy, appB) && holds(policy, appA)).to.equal(true);
      expect(holds(policy, { ...handWritten, Action: "kms:Sign" }), "the hand edit stays").to.equal(true);
      const after = await s.b.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(after.code, after.output).to.equal(0);
    });

    it("destroying one stack removes only its statement", async () => {
      await s.a.ok(["destroy", "--yes"]);
      expect(await sids()).to.deep.equal(["AppB", ROOT, "HandWritten"].sort());
      expect(holds(await s.live(), appB)).to.equal(true);
    });

    it("a create that finds its Sid fails naming it and the key, with no write; adopt takes the statement over and its destroy removes it", async () => {
      const before = await s.live();
      const mine = { ...handWritten, Action: ["kms:Encrypt", "kms:Decrypt"] };
      setScenario(s.a, statements(s.key.keyId, { name: "ops", statement: mine }));
      const refused = await s.a.pulumi(["up", "--yes"]);
      expect(refused.code).to.not.equal(0);
      expect(refused.output).to.contain('already has a statement with Sid "HandWritten"');
      expect(refused.output).to.contain(s.key.arn);
      expect(await s.live()).to.equal(before);
      setScenario(s.a, statements(s.key.keyId, { name: "ops", statement: mine, adopt: true }));
      await s.a.ok(["up", "--yes"]);
      expect(holds(await s.live(), mine)).to.equal(true);
      await s.a.ok(["destroy", "--yes"]);
      expect(await sids()).to.deep.equal(["AppB", ROOT].sort());
    });

    it("a statement that would lock the key is refused at up, naming it, with no write", async () => {
      const before = await s.live();
      setScenario(
        s.a,
        statements(s.key.keyId, {
          name: "deny-all",
          statement: { Sid: "DenyAll", Effect: "Deny", Principal: "*", Action: "kms:*", Resource: "*" },
        }),
      );
      const up = await s.a.pulumi(["up", "--yes"]);
      expect(up.code).to.not.equal(0);
      expect(up.output).to.contain('KeyPolicyStatement "DenyAll"');
      expect(up.output).to.contain("nobody could change the policy again");
      expect(await s.live()).to.equal(before);
      expect(resourcesOfType(await s.a.exportStack(), KEY_POLICY_STATEMENT_TYPE)).to.have.length(0);
    });

    it("the same Sid twice in one program fails at preview, naming both", async () => {
      setScenario(s.a, statements(s.key.keyId, { name: "first", statement: appA }, { name: "second", statement: allows("AppA", "other") }));
      const preview = await s.a.pulumi(["preview"]);
      expect(preview.code).to.not.equal(0);
      expect(preview.output).to.match(
        /KeyPolicyStatement "second" and KeyPolicyStatement "first" both manage the statement with Sid "AppA"/,
      );
    });

    it("a KeyPolicy and a KeyPolicyStatement on one key fail at preview, naming both", async () => {
      setScenario(s.a, {
        keyPolicies: [{ name: "whole", args: { keyId: s.key.arn, policy: appPolicy(MOTO_ACCOUNT_ID) } }],
        ...statements(s.key.keyId, { name: "part", statement: appA }),
      });
      const preview = await s.a.pulumi(["preview"]);
      expect(preview.code).to.not.equal(0);
      expect(preview.output).to.match(/KeyPolicy "whole" manages the whole policy of key .*KeyPolicyStatement "part"/);
      setScenario(s.a, {});
      await s.b.ok(["destroy", "--yes"]);
      expect(await sids()).to.deep.equal([ROOT]);
    });
  });

describe("e2e: KeyPolicyStatement, two stacks running pulumi up at once on one key (KMS-faithful mode, slowed reads)", function () {
  this.timeout(600_000);
  let s: Awaited<ReturnType<typeof twoStacks>>;

  before(async () => {
    s = await twoStacks(FAITHFUL_DEFAULTS, "race");
    // Each GetKeyPolicy takes 150 ms more: the two stacks' read-merge-put cycles overlap.
    s.workspace.proxy?.reset({ latencyMs: { GetKeyPolicy: 150 } });
  });
  after(() => s?.workspace.remove());

  it("several rounds of creates and updates from both stacks at once, then both destroyed at once: no statement is lost, undone or left behind", async () => {
    const declared = (team: string, round: number) =>
      [0, 1, 2].map((i) =>
        allows(`${team}${i}`, `${team.toLowerCase()}-${i}`, round % 2 === 0 ? ["kms:Decrypt"] : ["kms:Decrypt", "kms:Encrypt"]),
      );
    /** On failure: how often each stack merged again, and what the key has. */
    const why = (ups: Array<{ output: string }>, policy: string, when: string) =>
      `${when} (merged again: ${ups.map((up) => up.output.split("\n").filter((l) => l.includes("merging again")).length).join(", ")}; live: ${statementSids(policy).join(", ")})`;
    for (let round = 0; round < 3; round++) {
      const a = declared("TeamA", round);
      const b = declared("TeamB", round);
      setScenario(s.a, statements(s.key.keyId, ...a.map((statement) => ({ name: statement.Sid, statement }))));
      setScenario(s.b, statements(s.key.arn, ...b.map((statement) => ({ name: statement.Sid, statement }))));
      // No preview: its program run would only spread the two updates apart.
      const ups = await Promise.all([s.a.pulumi(["up", "--yes", "--skip-preview"]), s.b.pulumi(["up", "--yes", "--skip-preview"])]);
      for (const up of ups) expect(up.code, up.output).to.equal(0);
      // Every statement each stack declares holds as declared the moment both ups are done, and no
      // statement no stack writes is lost: nothing is left for a later refresh to repair.
      const policy = await s.live();
      for (const statement of [...a, ...b, root, handWritten])
        expect(holds(policy, statement), why(ups, policy, `round ${round}: ${statement.Sid}`)).to.equal(true);
    }
    const downs = await Promise.all([
      s.a.pulumi(["destroy", "--yes", "--skip-preview"]),
      s.b.pulumi(["destroy", "--yes", "--skip-preview"]),
    ]);
    for (const down of downs) expect(down.code, down.output).to.equal(0);
    const policy = await s.live();
    expect(statementSids(policy).sort(), why(downs, policy, "after both destroys")).to.deep.equal([ROOT, "HandWritten"].sort());
    expect(holds(policy, handWritten)).to.equal(true);
  });
});

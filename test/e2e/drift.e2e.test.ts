import { CreateGrantCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { Project, Workspace, defaultNameOf } from "../support/workspace";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, appPolicy } from "./program";

describe("e2e: drift gates and `kms-policy drift` on a real stack", function () {
  this.timeout(300_000);
  let workspace: Workspace;
  let kms: KMSClient;
  let project: Project;
  let key: { keyId: string; arn: string };
  const declared = appPolicy(MOTO_ACCOUNT_ID) as { Statement: Array<Record<string, unknown>> };
  declared.Statement[1].Principal = { AWS: [`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app`, `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/batch`] };
  const putLive = (policy: unknown) =>
    kms.send(
      new PutKeyPolicyCommand({
        KeyId: key.keyId,
        PolicyName: "default",
        Policy: typeof policy === "string" ? policy : JSON.stringify(policy),
      }),
    );
  const variant = (change: (statements: Array<Record<string, unknown>>) => void) => {
    const copy = JSON.parse(JSON.stringify(declared)) as { Statement: Array<Record<string, unknown>> };
    change(copy.Statement);
    return copy;
  };

  /** Runs the installed package's bin on `pulumi stack export` output. */
  const drift = async (args: string[] = [], showSecrets = false) => {
    const exported = (await project.ok(["stack", "export", ...(showSecrets ? ["--show-secrets"] : [])])).stdout;
    const bin = path.join(workspace.dir, "node_modules", ".bin", "kms-policy");
    // moto lists a grant at once, as the stack's grantListingDelaySeconds 0 says: a missing grant is gone.
    const result = spawnSync(bin, ["drift", "-", "--grant-listing-delay", "0", ...args], {
      input: exported,
      encoding: "utf8",
      env: workspace.env(),
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, exported };
  };

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    kms = testKms(server);
    key = await createKey(kms, "drift");
    project = workspace.project("drift", SCENARIO_PROGRAM);
    project.writeFile(
      "scenario.json",
      JSON.stringify({
        keyPolicies: [{ name: "policy", args: { keyId: key.keyId, policy: declared } }],
        grants: ["a", "b"].map((n) => ({
          name: `grant-${n}`,
          args: { keyId: key.arn, granteePrincipal: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${n}`, operations: ["Decrypt"] },
        })),
      }),
    );
    await project.initStack();
    await project.ok(["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);
    await project.ok(["up", "--yes"]);
  });

  after(() => workspace?.remove());

  const gates = [
    ["preview", "--refresh", "--expect-no-changes"],
    ["refresh", "--preview-only", "--expect-no-changes"],
  ];

  const noDrift: Array<[string, unknown]> = [
    ["reformatted", JSON.stringify(declared, null, 9)],
    ["reordered", { ...declared, Statement: [...declared.Statement].reverse() }],
    ["account id instead of the root ARN", variant((s) => (s[0].Principal = { AWS: MOTO_ACCOUNT_ID }))],
  ];
  for (const [name, policy] of noDrift) {
    it(`no drift when the live policy is ${name}: both gates and the CLI exit 0`, async () => {
      await putLive(policy);
      for (const gate of gates) {
        const r = await project.pulumi(gate);
        expect(r.code, `${gate.join(" ")}\n${r.output}`).to.equal(0);
      }
      const cli = await drift();
      expect(cli.code, cli.stdout + cli.stderr).to.equal(0);
      expect(cli.stdout).to.contain("3 resources: 3 in sync");
    });
  }

  const drifts: Array<[string, unknown, RegExp]> = [
    [
      "a statement added",
      variant((s) =>
        s.push({
          Sid: "Extra",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::999999999999:root" },
          Action: "kms:Decrypt",
          Resource: "*",
        }),
      ),
      /\+ statement Extra/,
    ],
    [
      "a principal removed",
      variant((s) => (s[1].Principal = { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app` })),
      /principal AWS:arn:aws:iam::123456789012:role\/batch/,
    ],
    [
      "a condition changed",
      variant((s) => (s[1].Condition = { StringEquals: { "kms:ViaService": "ec2.us-east-1.amazonaws.com" } })),
      /condition StringEquals kms:ViaService = ec2.us-east-1.amazonaws.com/,
    ],
  ];
  for (const [name, policy, explained] of drifts) {
    it(`drift when ${name}: both gates exit 7 with the explanation; the CLI exits 1 with the diff`, async () => {
      await putLive(policy);
      for (const gate of gates) {
        const r = await project.pulumi(gate);
        expect(r.code, `${gate.join(" ")}\n${r.output}`).to.equal(7);
        expect(r.output).to.match(explained);
      }
      const cli = await drift();
      expect(cli.code).to.equal(1);
      expect(cli.stdout).to.contain("1 drifted");
      expect(cli.stdout).to.match(explained);
    });
  }

  it("a gate that cannot reach KMS is a broken run: it fails with a code other than drift's 7", async () => {
    await putLive(declared);
    for (const gate of gates) {
      const r = await project.pulumi(gate, { AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" });
      expect([0, 7], `${gate.join(" ")} exited ${r.code}\n${r.output}`).to.not.include(r.code);
    }
  });

  it("json: a stable schema; markdown: a table with details; tokens never printed", async () => {
    await putLive(drifts[0][1]);
    const json = await drift(["--format", "json"], true);
    expect(json.code).to.equal(1);
    const report = JSON.parse(json.stdout) as {
      schemaVersion: number;
      summary: Record<string, number>;
      resources: Array<Record<string, unknown>>;
    };
    expect(report.schemaVersion).to.equal(1);
    expect(report.summary).to.deep.equal({
      resources: 3,
      inSync: 2,
      drifted: 1,
      gone: 0,
      notListedYet: 0,
      unsettledGrantee: 0,
      errors: 0,
      unmanagedGrants: 0,
      unownedStatements: 0,
      // The added statement lets another account decrypt: the report says it grants new access.
      newAccess: 1,
    });
    expect(report.resources.map((r) => [r.kind, r.name, r.status])).to.deep.equal([
      ["KeyPolicy", "policy", "drifted"],
      ["Grant", "grant-a", "in-sync"],
      ["Grant", "grant-b", "in-sync"],
    ]);
    const tokens = [...json.exported.matchAll(/"plaintext":\s*"\\"([0-9a-f]+)\\""/g)].map((m) => m[1]);
    expect(tokens.length).to.be.greaterThan(0);
    const markdown = await drift(["--format", "markdown"], true);
    expect(markdown.stdout).to.contain("| KeyPolicy `policy` |");
    expect(markdown.stdout).to.contain("<details><summary>KeyPolicy <code>policy</code>: drifted, grants new access</summary>");
    expect(markdown.stdout).to.contain("**new access**");
    for (const token of tokens) {
      expect(json.stdout).to.not.contain(token);
      expect(markdown.stdout).to.not.contain(token);
    }
    await putLive(declared);
  });

  it("a revoked grant is gone (exit 1); --unmanaged-grants lists a grant no Grant declares", async () => {
    const [a] = (await allGrants(kms, key.keyId)).filter((g) => g.Name === defaultNameOf("drift", "grant-a"));
    await kms.send(new (await import("@aws-sdk/client-kms")).RevokeGrantCommand({ KeyId: key.keyId, GrantId: a.GrantId }));
    const stray = await kms.send(
      new CreateGrantCommand({
        KeyId: key.keyId,
        GranteePrincipal: "arn:aws:iam::999999999999:root",
        Operations: ["Decrypt"],
        Name: "console-made",
      }),
    );
    const plain = await drift();
    expect(plain.code).to.equal(1);
    expect(plain.stdout).to.contain("1 gone");
    expect(plain.stdout).to.not.contain("console-made");
    const withUnmanaged = await drift(["--unmanaged-grants", "--format", "json"]);
    const report = JSON.parse(withUnmanaged.stdout) as { unmanagedGrants: Array<{ grantId: string; name: string }> };
    expect(report.unmanagedGrants.map((g) => [g.grantId, g.name])).to.deep.equal([[stray.GrantId, "console-made"]]);
  });

  it("exit 2 on input that is not a stack export, and on a key KMS cannot be asked about", async () => {
    const bin = path.join(workspace.dir, "node_modules", ".bin", "kms-policy");
    const bad = spawnSync(bin, ["drift", "-"], { input: "{}", encoding: "utf8", env: workspace.env() });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain("not a `pulumi stack export`");
    const exported = (await project.ok(["stack", "export"])).stdout;
    const unreachable = spawnSync(bin, ["drift", "-"], {
      input: exported,
      encoding: "utf8",
      env: workspace.env({ AWS_ENDPOINT_URL_KMS: "http://127.0.0.1:9", AWS_MAX_ATTEMPTS: "1" }),
    });
    expect(unreachable.status, unreachable.stdout + unreachable.stderr).to.equal(2);
    expect(unreachable.stdout).to.contain("could not be checked");
  });

  it("the GitHub Actions workflow example runs the gate and the CLI", () => {
    const workflow = fs.readFileSync(path.join(__dirname, "..", "..", "..", "examples", "github-actions", "kms-drift.yml"), "utf8");
    expect(workflow).to.contain("pulumi preview --refresh --expect-no-changes");
    expect(workflow).to.contain("kms-policy drift");
    expect(workflow).to.contain("GITHUB_STEP_SUMMARY");
  });
});

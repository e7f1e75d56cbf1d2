import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { policiesEquivalent } from "../../provider/policy";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import {
  ACTIVE_LTS_NODE,
  BELOW_SUPPORTED_SDK,
  nodeOfLine,
  oldestSupportedNode,
  oldestSupportedSdk,
  pinnedSdkVersion,
  supportedSdkRange,
} from "../support/sdkVersions";
import { REPO_ROOT } from "../support/tools";
import { Project, Workspace } from "../support/workspace";
import { appPolicy } from "./program";

/**
 * The compatibility matrix: this package installed from `npm pack` into a program that declares its
 * own @pulumi/pulumi, on each supported end of the range, each cell a real lifecycle through the
 * pulumi CLI on moto: up, a no-change refresh gate, drift caught by the gate (with the diff shown),
 * repair, destroy.
 */

/** A JavaScript program that also reports which Node.js and SDK actually ran it. */
const JS_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { KeyPolicy, Grant } = require("pulumi-kms-policy");
const keyArn = new pulumi.Config().require("keyArn");
const policy = JSON.parse(new pulumi.Config().require("policy"));
const keyPolicy = new KeyPolicy("app-key-policy", { keyId: keyArn, policy });
const role = (name) => "arn:aws:iam::${MOTO_ACCOUNT_ID}:role/" + name;
const reader = new Grant("reader", { keyId: keyArn, granteePrincipal: role("reader"), operations: ["Decrypt", "DescribeKey"] });
const writer = new Grant("writer", { keyId: keyArn, granteePrincipal: role("writer"), operations: ["Encrypt"], constraints: { encryptionContextSubset: { app: "compat" } } });
module.exports = {
  nodeVersion: process.version,
  sdkVersion: require("@pulumi/pulumi/package.json").version,
  keyArn: keyPolicy.keyArn,
  grantIds: [reader.grantId, writer.grantId],
};
`;

/** The statements examples/typescript/index.ts declares, for checking the live policy. */
function typeScriptExamplePolicy(account: string): Record<string, unknown> {
  const policy = appPolicy(account) as { Statement: Array<Record<string, unknown>> };
  return {
    ...policy,
    Statement: [
      { ...policy.Statement[0], Sid: "AccountAdministers" },
      { ...policy.Statement[1], Sid: "AppUsesKeyThroughS3" },
    ],
  };
}

interface Cell {
  title: string;
  node: () => string;
  nodeMajor: number;
  sdk: () => string;
  /** The TypeScript example (examples/typescript), or a JavaScript program. */
  typescript: boolean;
}

/**
 * The floor of the supported range on the oldest Node.js the package supports (engines.node), and
 * the newest release (this repository's pin) on that Node and on the active LTS line, where it runs
 * the TypeScript example as a project made today would.
 */
const CELLS: Cell[] = [
  {
    title: `Node ${oldestSupportedNode()} + the oldest supported @pulumi/pulumi (${oldestSupportedSdk()})`,
    node: () => nodeOfLine(oldestSupportedNode()),
    nodeMajor: oldestSupportedNode(),
    sdk: oldestSupportedSdk,
    typescript: false,
  },
  {
    title: `Node ${oldestSupportedNode()} + the newest @pulumi/pulumi (${pinnedSdkVersion()}, this repository's pin)`,
    node: () => nodeOfLine(oldestSupportedNode()),
    nodeMajor: oldestSupportedNode(),
    sdk: pinnedSdkVersion,
    typescript: false,
  },
  {
    title: `Node ${ACTIVE_LTS_NODE} (active LTS) + the newest @pulumi/pulumi (${pinnedSdkVersion()}), TypeScript program`,
    node: () => nodeOfLine(ACTIVE_LTS_NODE),
    nodeMajor: ACTIVE_LTS_NODE,
    sdk: pinnedSdkVersion,
    typescript: true,
  },
];

const TYPESCRIPT_EXAMPLE = path.join(REPO_ROOT, "examples", "typescript");

function tsc(workspace: Workspace): { code: number; output: string } {
  try {
    const output = execFileSync(
      workspace.node,
      [path.join(workspace.dir, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", workspace.dir],
      { encoding: "utf8" },
    );
    return { code: 0, output };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("e2e: compatibility matrix (Node.js x @pulumi/pulumi), installed from npm pack", function () {
  this.timeout(600_000);
  let kms: KMSClient;

  before(async () => {
    kms = testKms(await moto());
  });

  it("the matrix spans the supported ranges: the SDK floor on the oldest supported Node, the newest SDK on that Node and on the active LTS", () => {
    expect(supportedSdkRange()).to.match(/^>=3\.\d+\.\d+ <4$/);
    const cells = CELLS.map((c) => `${c.nodeMajor}/${c.sdk()}`);
    expect(cells).to.deep.equal([
      `${oldestSupportedNode()}/${oldestSupportedSdk()}`,
      `${oldestSupportedNode()}/${pinnedSdkVersion()}`,
      `${ACTIVE_LTS_NODE}/${pinnedSdkVersion()}`,
    ]);
    expect(oldestSupportedSdk()).to.not.equal(pinnedSdkVersion());
    expect(ACTIVE_LTS_NODE).to.be.greaterThan(oldestSupportedNode());
    expect(CELLS.filter((c) => c.typescript).map((c) => c.sdk())).to.deep.equal([pinnedSdkVersion()]);
  });

  for (const cell of CELLS) {
    describe(cell.title, () => {
      let workspace: Workspace;
      let project: Project;
      let key: { keyId: string; arn: string };
      let originalPolicy: string;
      const declared = () => (cell.typescript ? typeScriptExamplePolicy(MOTO_ACCOUNT_ID) : appPolicy(MOTO_ACCOUNT_ID));
      const livePolicy = async () =>
        (await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;

      before(async () => {
        const node = cell.node();
        expect(execFileSync(node, ["--version"], { encoding: "utf8" })).to.match(new RegExp(`^v${cell.nodeMajor}\\.`));
        workspace = await Workspace.create(await moto(), {
          sdkVersion: cell.sdk(),
          node,
          ...(cell.typescript ? { template: TYPESCRIPT_EXAMPLE } : {}),
        });
        project = cell.typescript ? workspace.root() : workspace.project("compat", JS_PROGRAM);
        key = await createKey(kms, `compat ${cell.title}`);
        originalPolicy = await livePolicy();
        await project.initStack();
        await project.ok(["config", "set", "keyArn", key.arn]);
        // moto lists a grant at once: a grant missing from ListGrants is gone, not "not listed yet".
        await project.ok(["config", "set", "kms-policy:grantListingDelaySeconds", "0"]);
        if (!cell.typescript) await project.ok(["config", "set", "policy", JSON.stringify(declared())]);
      });

      after(() => workspace?.remove());

      it("installs one copy of @pulumi/pulumi, the program's own", () => {
        const copies = workspace.sdkCopies();
        expect(copies.map((c) => c.version)).to.deep.equal([cell.sdk()]);
      });

      it("the packed package's kms-policy runs on this Node: validate, normalize and diff from its bundle, drift from its own file", () => {
        const bin = path.join(workspace.dir, "node_modules", ".bin", "kms-policy");
        expect(fs.realpathSync(bin)).to.equal(
          fs.realpathSync(path.join(workspace.dir, "node_modules", "pulumi-kms-policy", "dist", "cli", "kms-policy.js")),
        );
        const file = path.join(workspace.dir, "declared.json");
        fs.writeFileSync(file, JSON.stringify(declared()));
        // As a user's shell runs it: the bin's `#!/usr/bin/env node` finds this cell's Node first on the workspace's PATH.
        const cli = (...args: string[]) => spawnSync(bin, args, { encoding: "utf8", env: workspace.env() });
        const validate = cli("validate", file, "--format", "json");
        expect(validate.status, validate.stderr).to.be.oneOf([0, 1]);
        const report = JSON.parse(validate.stdout) as { files: Array<{ file: string; error?: string; findings: unknown[] }> };
        expect(report.files.map((f) => [f.file, f.error])).to.deep.equal([[file, undefined]]);
        const normalized = cli("normalize", file);
        expect(normalized.status, normalized.stderr).to.equal(0);
        expect((JSON.parse(normalized.stdout) as { Version: string }).Version).to.equal("2012-10-17");
        const diff = cli("diff", file, file);
        expect([diff.status, diff.stdout.trim()], diff.stderr).to.deep.equal([0, `${file} and ${file} are equivalent`]);
        const drift = cli("drift", path.join(workspace.dir, "no-such-export.json"));
        expect([drift.status, drift.stderr.trim()]).to.deep.equal([
          2,
          `kms-policy drift: cannot read ${path.join(workspace.dir, "no-such-export.json")}: no such file`,
        ]);
      });

      if (cell.typescript) {
        it("the TypeScript example type-checks against the packed package (tsc --noEmit)", () => {
          const result = tsc(workspace);
          expect(result.output).to.equal("");
          expect(result.code).to.equal(0);
        });
      }

      it("pulumi up creates the key policy and the grants, and the program reports the Node.js and SDK of its cell", async () => {
        const up = await project.ok(["up", "--yes"]);
        expect(up.output).to.match(/\+ 4 created/);
        expect(policiesEquivalent(await livePolicy(), declared())).to.equal(true);
        const live = await allGrants(kms, key.keyId);
        expect(live).to.have.length(2);
        const stackOutputs = async (showSecrets: boolean) =>
          JSON.parse((await project.ok(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])])).stdout) as Record<
            string,
            unknown
          >;
        const outputs = await stackOutputs(false);
        expect(outputs.nodeVersion).to.match(new RegExp(`^v${cell.nodeMajor}\\.`));
        expect(outputs.sdkVersion).to.equal(cell.sdk());
        if (cell.typescript) {
          // The example's outputs, as a user reads them.
          expect(outputs.managedKeyArn).to.equal(key.arn);
          expect(policiesEquivalent(outputs.policyBeforePulumi as string, originalPolicy)).to.equal(true);
          expect([outputs.readerGrantId, outputs.writerGrantId]).to.have.members(live.map((g) => g.GrantId));
          // Grant tokens are secrets: hidden without --show-secrets, real strings with it.
          expect(outputs.readerGrantToken).to.equal("[secret]");
          expect(outputs.writerGrantToken).to.equal("[secret]");
          const revealed = await stackOutputs(true);
          for (const token of [revealed.readerGrantToken, revealed.writerGrantToken])
            expect(token).to.be.a("string").and.not.equal("[secret]");
          expect((revealed.readerGrantToken as string).length).to.be.greaterThan(0);
        }
      });

      it("pulumi preview --refresh --expect-no-changes passes on the unchanged stack", async () => {
        await project.ok(["preview", "--refresh", "--expect-no-changes"]);
      });

      it("drift (a statement added, a grant revoked) fails the gate with exit 7, and the provider's explanations reach the preview", async () => {
        const drifted = declared() as { Statement: unknown[] };
        const extra = {
          Sid: "AddedOutOfBand",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/intruder` },
          Action: "kms:Decrypt",
          Resource: "*",
        };
        await kms.send(
          new PutKeyPolicyCommand({
            KeyId: key.keyId,
            PolicyName: "default",
            Policy: JSON.stringify({ ...drifted, Statement: [...drifted.Statement, extra] }),
          }),
        );
        const [revoked] = await allGrants(kms, key.keyId);
        await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: revoked.GrantId }));
        const gate = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
        // 7: the CLI's own code for "changes proposed under --expect-no-changes" (v3.226.1 and later).
        expect(gate.code, gate.output).to.equal(7);
        // "warning:" is the severity the provider gives the drift through the engine's Log service;
        // its stderr fallback would show the same text as plain output.
        expect(gate.output).to.match(/warning: KeyPolicy: the live policy of \S+ has drifted/);
        expect(gate.output).to.contain("AddedOutOfBand");
        expect(gate.output).to.contain(`${revoked.GrantId}`).and.to.contain("revoked or retired outside Pulumi");
        expect(gate.output).to.not.match(/serialization failure|Unexpected struct type/);
      });

      it("pulumi up --refresh repairs the drift: the declared policy, the revoked grant made again", async () => {
        await project.ok(["up", "--yes", "--refresh"]);
        expect(policiesEquivalent(await livePolicy(), declared())).to.equal(true);
        expect(await allGrants(kms, key.keyId)).to.have.length(2);
        await project.ok(["preview", "--refresh", "--expect-no-changes"]);
      });

      it("pulumi destroy puts the key's policy back and revokes the grants", async () => {
        await project.ok(["destroy", "--yes"]);
        expect(policiesEquivalent(await livePolicy(), originalPolicy)).to.equal(true);
        expect(await allGrants(kms, key.keyId)).to.have.length(0);
      });
    });
  }

  describe("TypeScript at the floor of the range", () => {
    let workspace: Workspace;
    after(() => workspace?.remove());

    it(`the TypeScript example type-checks against the packed package with @pulumi/pulumi ${oldestSupportedSdk()} on Node ${oldestSupportedNode()}`, async () => {
      workspace = await Workspace.create(await moto(), {
        sdkVersion: oldestSupportedSdk(),
        node: nodeOfLine(oldestSupportedNode()),
        template: TYPESCRIPT_EXAMPLE,
      });
      expect(workspace.sdkCopies().map((c) => c.version)).to.deep.equal([oldestSupportedSdk()]);
      const result = tsc(workspace);
      expect(result.output).to.equal("");
      expect(result.code).to.equal(0);
    });
  });

  describe("an SDK outside the supported range", () => {
    let workspace: Workspace;
    after(() => workspace?.remove());

    it(`fails at the first resource with one line naming the installed and supported versions (${BELOW_SUPPORTED_SDK}, forced past npm's peer check)`, async () => {
      workspace = await Workspace.create(await moto(), { sdkVersion: BELOW_SUPPORTED_SDK, installFlags: ["--legacy-peer-deps"] });
      const project = workspace.project("unsupported", JS_PROGRAM);
      await project.initStack();
      await project.ok(["config", "set", "keyArn", `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`]);
      await project.ok(["config", "set", "policy", JSON.stringify(appPolicy(MOTO_ACCOUNT_ID))]);
      const preview = await project.pulumi(["preview"]);
      expect(preview.code).to.not.equal(0);
      const line = preview.output.split("\n").find((l) => l.includes("pulumi-kms-policy supports @pulumi/pulumi"));
      expect(line, preview.output).to.be.a("string");
      expect(line).to.contain(supportedSdkRange()).and.to.contain(BELOW_SUPPORTED_SDK);
      expect(preview.output).to.not.match(/serialization failure/);
    });
  });

  describe("a second copy of the SDK under the package (what a pinned dependency used to install)", () => {
    let workspace: Workspace;
    after(() => workspace?.remove());

    it("fails at the first resource with one line naming both copies, not a gRPC serialization error", async () => {
      workspace = await Workspace.create(await moto());
      const top = path.join(workspace.dir, "node_modules", "@pulumi", "pulumi");
      const nested = path.join(workspace.dir, "node_modules", "pulumi-kms-policy", "node_modules", "@pulumi", "pulumi");
      fs.cpSync(top, nested, { recursive: true });
      expect(workspace.sdkCopies()).to.have.length(2);
      const project = workspace.project("second-copy", JS_PROGRAM);
      await project.initStack();
      await project.ok(["config", "set", "keyArn", `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`]);
      await project.ok(["config", "set", "policy", JSON.stringify(appPolicy(MOTO_ACCOUNT_ID))]);
      const preview = await project.pulumi(["preview"]);
      expect(preview.code).to.not.equal(0);
      const line = preview.output.split("\n").find((l) => l.includes("copies of @pulumi/pulumi loaded in one program"));
      expect(line, preview.output).to.be.a("string");
      expect(line).to.contain(fs.realpathSync(nested)).and.to.contain(fs.realpathSync(top));
      expect(preview.output).to.not.match(/serialization failure/);
    });
  });
});

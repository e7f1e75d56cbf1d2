import { KMSClient, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { KMS_MODES, Project, Workspace, resourcesOfType, defaultNameOf } from "../support/workspace";
import { DUMMY_CREDENTIALS } from "../../toolchain/moto";
import { SCENARIO_PROGRAM, Scenario } from "./program";
import { GRANT_TYPE } from "../../provider/resourceTypes";

const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

// On moto as it is, and through the proxy's KMS-faithful mode: CreateGrant deduplicates by name,
// ListGrants pages and lists a new grant only after a while. There the stack's listing delay is
// longer than the mode's, as a stack on KMS keeps its default (300 s) longer than KMS's delay.
const MODES = KMS_MODES.map((mode) => ({ ...mode, listingDelaySeconds: mode.faithful ? 5 : 0 }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const mode of MODES)
  describe(`e2e: Grant with the pulumi CLI on ${mode.name}`, function () {
    this.timeout(300_000);
    let workspace: Workspace;
    let kms: KMSClient;
    let project: Project;
    let key: { keyId: string; arn: string };
    /** When the first up ended: its grants are older than the stack's listing delay from then on. */
    let created = 0;

    const grants = (operationsOfFirst: string[] = ["Decrypt", "Encrypt"]): Scenario => ({
      grants: [
        { name: "reader", args: { keyId: key.keyId, granteePrincipal: role("reader"), operations: operationsOfFirst } },
        {
          name: "writer",
          args: {
            keyId: key.arn,
            granteePrincipal: role("writer"),
            operations: ["GenerateDataKey", "Encrypt"],
            constraints: { encryptionContextSubset: { app: "billing" } },
          },
        },
        {
          name: "retirable",
          args: {
            keyId: key.keyId,
            granteePrincipal: role("batch"),
            operations: ["Decrypt"],
            retiringPrincipal: role("ops"),
            retireOnDelete: true,
          },
        },
      ],
    });
    const setScenario = (s: Scenario) => project.writeFile("scenario.json", JSON.stringify(s, null, 2));
    const liveNames = async () => (await allGrants(kms, key.keyId)).map((g) => g.Name).sort();

    before(async () => {
      const server = await moto();
      workspace = await Workspace.create(server, { faithful: mode.faithful });
      kms = testKms(server);
      key = await createKey(kms, "e2e grants");
      project = workspace.project("grants", SCENARIO_PROGRAM);
      setScenario(grants());
      await project.initStack();
      // Out-of-band revokes below happen seconds after creation; moto lists a grant at once.
      await project.ok(["config", "set", "kms-policy:grantListingDelaySeconds", String(mode.listingDelaySeconds)]);
    });

    after(() => workspace?.remove());

    it("pulumi up creates several grants on one key, each named after its resource and URN", async () => {
      await project.ok(["up", "--yes"]);
      created = Date.now();
      expect(await liveNames()).to.deep.equal(["reader", "retirable", "writer"].map((n) => defaultNameOf("grants", n)).sort());
    });

    it("a refresh right after finds no changes", async () => {
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
    });

    it("the grant token is a secret: not in `stack export` or the backend files without --show-secrets", async () => {
      const plain = await project.exportStack(true);
      const tokens = resourcesOfType(plain, GRANT_TYPE).map((r) => revealed(r.outputs?.grantToken));
      expect(tokens).to.have.length(3);
      const hidden = JSON.stringify(await project.exportStack(false));
      const onDisk = workspace.backendText();
      for (const token of tokens) {
        expect(token).to.match(/^[0-9a-f]{8,}$/);
        expect(hidden).to.not.contain(token);
        expect(onDisk).to.not.contain(token);
      }
      for (const credential of Object.values(DUMMY_CREDENTIALS)) expect(onDisk).to.not.contain(credential);
    });

    it("a grant revoked out of band is drift, and pulumi up recreates it", async () => {
      // Only a grant older than the listing delay is gone when it is missing.
      await sleep(Math.max(0, created + mode.listingDelaySeconds * 1000 - Date.now()));
      const [reader] = (await allGrants(kms, key.keyId)).filter((g) => g.Name === defaultNameOf("grants", "reader"));
      await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: reader.GrantId }));
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(7);
      expect(preview.output).to.contain("no longer exists");
      await project.ok(["up", "--yes", "--refresh"]);
      expect(await liveNames()).to.deep.equal(["reader", "retirable", "writer"].map((n) => defaultNameOf("grants", n)).sort());
    });

    it("changing operations replaces the grant: one new grant, the old one revoked", async () => {
      const before = (await allGrants(kms, key.keyId)).find((g) => g.Name === defaultNameOf("grants", "reader"));
      setScenario(grants(["Decrypt"]));
      const up = await project.ok(["up", "--yes"]);
      expect(up.output).to.match(/replaced/);
      const readers = (await allGrants(kms, key.keyId)).filter((g) => g.Name === defaultNameOf("grants", "reader"));
      expect(readers).to.have.length(1);
      expect(readers[0].GrantId).to.not.equal(before?.GrantId);
      expect(readers[0].Operations).to.deep.equal(["Decrypt"]);
    });

    it("the key by ARN instead of id is no change at all; retireOnDelete updates in place, with the same grant", async () => {
      const before = (await allGrants(kms, key.keyId)).map((g) => g.GrantId).sort();
      const s = grants(["Decrypt"]);
      s.grants = s.grants?.map((g) => (g.name === "reader" ? { ...g, args: { ...g.args, keyId: key.arn } } : g));
      s.grants = s.grants?.map((g) => (g.name === "writer" ? { ...g, args: { ...g.args, keyId: key.keyId } } : g));
      setScenario(s);
      const same = await project.pulumi(["preview", "--expect-no-changes"]);
      expect(same.code, same.output).to.equal(0);
      s.grants = s.grants?.map((g) => (g.name === "reader" ? { ...g, args: { ...g.args, retireOnDelete: true } } : g));
      setScenario(s);
      const up = await project.ok(["up", "--yes"]);
      expect(up.output).to.match(/1 updated/);
      expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId).sort()).to.deep.equal(before);
      const preview = await project.pulumi(["preview", "--refresh", "--expect-no-changes"]);
      expect(preview.code, preview.output).to.equal(0);
    });

    it("pulumi destroy leaves no grant on the key", async () => {
      await project.ok(["destroy", "--yes"]);
      expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
    });
  });

/** A secret in `stack export --show-secrets` is still wrapped: `{ <signature>: ..., plaintext: "<JSON>" }`. */
function revealed(value: unknown): string {
  const plaintext = (value as { plaintext?: string } | undefined)?.plaintext;
  if (plaintext === undefined) throw new Error(`expected a secret, got ${JSON.stringify(value)}`);
  return JSON.parse(plaintext) as string;
}

import { CreateGrantCommand, KMSClient, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { checkGrant, GrantInputs } from "../../provider/runtime/grantCheck";
import { GrantLifecycle, GrantOutputs } from "../../provider/runtime/grantLifecycle";
import { ResourceInitFailedError } from "../../provider/runtime/initFailure";
import { FaultProxy } from "../support/faultProxy";
import { FaithfulOptions } from "../support/kmsFaithful";
import { CountingKms } from "../support/countingKms";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { ManualClock, settled } from "../support/manualClock";
import { captureStderr } from "../support/stderr";
import { ProviderContext } from "../../provider/runtime/context";

const grantee = "arn:aws:iam::123456789012:role/app";
const PAGE_SIZE = 7;

// The same lifecycle on moto as it is, and through the proxy in its KMS-faithful mode (CreateGrant
// deduplicates by Name, ListGrants pages 7 at a time and reports CreationDate; docs/kms-emulator.md).
const MODES: Array<{ name: string; faithful?: FaithfulOptions }> = [
  { name: "moto" },
  { name: "the KMS-faithful mode", faithful: { pageSize: PAGE_SIZE } },
];

for (const mode of MODES)
  describe(`integration: Grant lifecycle on ${mode.name}`, () => {
    let kms: KMSClient;
    let counting: CountingKms;
    let lifecycle: GrantLifecycle;
    let faithfulProxy: FaultProxy | undefined;
    /** ListGrants calls that one listing of `n` grants takes. */
    const pages = (n: number) => (mode.faithful ? Math.max(1, Math.ceil(n / PAGE_SIZE)) : 1);
    const inputs = (keyId: string, overrides: Record<string, unknown> = {}): GrantInputs => {
      const { inputs: checked, failures } = checkGrant({
        keyId,
        granteePrincipal: grantee,
        operations: ["Decrypt", "Encrypt"],
        name: "app-grant",
        ...overrides,
      });
      expect(failures).to.deep.equal([]);
      return checked;
    };

    before(async () => {
      const server = await moto();
      kms = testKms(server);
      faithfulProxy = mode.faithful ? await new FaultProxy(server.endpoint, 1, mode.faithful).start() : undefined;
      const client = faithfulProxy ? testKms(server, { via: faithfulProxy }) : kms;
      counting = new CountingKms(client);
      lifecycle = new GrantLifecycle({ grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) }, 10);
    });
    beforeEach(() => counting.reset());
    after(() => faithfulProxy?.stop());

    it("create: one grant with the name, token and key ARN; read finds it", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId, { constraints: { encryptionContextSubset: { app: "billing" } } }));
      const grants = await allGrants(kms, key.keyId);
      expect(grants.map((g) => g.GrantId)).to.deep.equal([id]);
      expect(grants[0].Name).to.equal("app-grant");
      expect(outs.grantToken).to.be.a("string").and.not.equal("");
      expect(outs.keyArn).to.equal(key.arn);
      const read = await lifecycle.read(id, outs);
      expect(read.id).to.equal(id);
      expect(read.props?.operations).to.deep.equal(["Decrypt", "Encrypt"]);
      expect(read.props?.reportedGrantee).to.deep.equal({ kind: "iam", principal: grantee });
      expect(read.inputs).to.not.have.property("grantToken");
      expect(read.inputs).to.not.have.property("reportedGrantee");
    });

    it("create is idempotent: a twin with the same name and parameters (an interrupted run) is removed", async () => {
      const key = await createKey(kms);
      const leaked = await kms.send(
        new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Encrypt", "Decrypt"], Name: "app-grant" }),
      );
      const unrelated = await kms.send(
        new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: "app-grant" }),
      );
      const { id } = await lifecycle.create(inputs(key.keyId));
      const ids = (await allGrants(kms, key.keyId)).map((g) => g.GrantId).sort();
      expect(ids).to.deep.equal([id, unrelated.GrantId].sort());
      // KMS returns the leaked grant itself (CreateGrant's Name rule), which the resource adopts;
      // moto makes a second one, and the twin check revokes the leaked one.
      if (mode.faithful) expect(id).to.equal(leaked.GrantId);
      else expect(ids).to.not.include(leaked.GrantId);
    });

    it("two Grants of one run with one key, name and parameters: neither revokes the other's grant; where KMS hands the second the first's grant, its create fails", async () => {
      const key = await createKey(kms);
      const first = await lifecycle.create(inputs(key.keyId, { name: "shared-name" }));
      if (mode.faithful) {
        // KMS answers the second CreateGrant with the first grant (CreateGrant's Name rule): two
        // resources recording one id would each revoke the other's access on delete.
        const err = await lifecycle.create(inputs(key.keyId, { name: "shared-name" })).then(
          () => expect.fail("the second create succeeded"),
          (e: Error) => e,
        );
        expect(err.message).to.contain(`KMS returned grant ${first.id}`);
        expect(err.message).to.match(/another Grant of this stack created in this run with the same name and parameters/);
        expect(err).to.not.be.instanceOf(ResourceInitFailedError);
        expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId)).to.deep.equal([first.id]);
      } else {
        const second = await lifecycle.create(inputs(key.keyId, { name: "shared-name" }));
        // The second's twin check finds the first's grant, which this run made for another resource.
        const ids = (await allGrants(kms, key.keyId)).map((g) => g.GrantId).sort();
        expect(ids).to.deep.equal([first.id, second.id].sort());
      }
    });

    it("a stack whose two Grants record one grant id (old colliding names): renaming one replaces it without revoking the grant the other keeps", async () => {
      const key = await createKey(kms);
      const a = await lifecycle.create(inputs(key.keyId, { name: "collided" }));
      // A state written before the one-name check: B records A's grant id as its own.
      const b: GrantOutputs = { ...a.outs };
      // A later deployment (a new provider process): A stays, B gets a name of its own.
      const next = new GrantLifecycle({ grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) }, 10);
      expect((await next.diff(a.outs, inputs(key.keyId, { name: "collided" }))).replaces).to.deep.equal([]);
      expect((await next.diff(b, inputs(key.keyId, { name: "b-own" }))).replaces).to.deep.equal(["name"]);
      const renamed = await next.create(inputs(key.keyId, { name: "b-own" }));
      const { written } = await captureStderr(() => next.delete(a.id, b));
      expect(written).to.contain(`Grant ${a.id} (collided): not revoked: another Grant of this stack records the same grant id and stays`);
      expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId).sort()).to.deep.equal([a.id, renamed.id].sort());
      // A's own delete, when it goes, revokes the grant as usual.
      await new GrantLifecycle({ grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) }, 10).delete(a.id, a.outs);
      expect((await allGrants(kms, key.keyId)).map((g) => g.GrantId)).to.deep.equal([renamed.id]);
    });

    it("a create that KMS hands a grant made before it (a Grant of one name on a key given another way, in an earlier run) warns, naming the grant id and the risk", async () => {
      const key = await createKey(kms);
      const first = await lifecycle.create(inputs(key.keyId, { name: "given-twice" }));
      const later = new GrantLifecycle({ grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) }, 10);
      const { result, written } = await captureStderr(() => later.create(inputs(key.arn, { name: "given-twice" })));
      if (mode.faithful) {
        // KMS deduplicates by name and parameters (CreateGrant's Name rule): the same grant, said loudly.
        expect(result.id).to.equal(first.id);
        expect(written).to.match(new RegExp(`KMS returned grant ${result.id} on .*which existed before this create`));
        expect(written).to.contain("the delete of either revokes the other's access");
      } else {
        // moto makes another grant: nothing was handed over, nothing to warn of.
        expect(result.id).to.not.equal(first.id);
        expect(written).to.not.contain("which existed before this create");
      }
    });

    it("concurrent creates on one key share the listing that looks for twins", async () => {
      const key = await createKey(kms);
      // Hold every CreateGrant answer until all 20 have come back, so that the 20 twin checks
      // arrive together (as with Pulumi's parallel creates), independently of the machine's speed.
      let answered = 0;
      let release = () => {};
      const allAnswered = new Promise<void>((resolve) => (release = resolve));
      const gated = {
        send: (async (command: { constructor: { name: string } }) => {
          const out = await (counting.send as (c: unknown) => Promise<unknown>)(command);
          if (command.constructor.name === "CreateGrantCommand" && ++answered === 20) release();
          if (command.constructor.name === "CreateGrantCommand") await allAnswered;
          return out;
        }) as KMSClient["send"],
      };
      // The listing window closes when the test says, after all 20 twin checks have asked for it.
      const clock = new ManualClock();
      const concurrent = new GrantLifecycle(
        { grants: () => new GrantApi(gated), keys: () => new KeyApi(gated) },
        10,
        new ProviderContext({ clock }),
      );
      counting.reset();
      const creating = Promise.all(Array.from({ length: 20 }, (_, i) => concurrent.create(inputs(key.keyId, { name: `c${i}` }))));
      await allAnswered;
      await settled();
      expect(clock.pending).to.equal(1);
      clock.advance(30);
      const created = await creating;
      expect(new Set(created.map((c) => c.id)).size).to.equal(20);
      expect(counting.count("CreateGrant")).to.equal(20);
      expect(counting.count("ListGrants")).to.equal(pages(20));
      expect(await allGrants(kms, key.keyId)).to.have.length(20);
    });

    it("read: a grant revoked out of band is gone; delete of a missing grant succeeds", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: id }));
      const old = { ...outs, createdAt: "2000-01-01T00:00:00.000Z" };
      expect(await lifecycle.read(id, old)).to.deep.equal({});
      await lifecycle.delete(id, old);
    });

    it("read: a grant not listed moments after its creation is not gone (eventual consistency)", async () => {
      const key = await createKey(kms);
      const { id, outs } = await lifecycle.create(inputs(key.keyId));
      await kms.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: id }));
      const read = await lifecycle.read(id, outs);
      expect(read.id).to.equal(id);
    });

    it("delete: revoke by default, retire when asked", async () => {
      const key = await createKey(kms);
      const revoked = await lifecycle.create(inputs(key.keyId, { name: "revoked" }));
      const retired = await lifecycle.create(inputs(key.keyId, { name: "retired", retireOnDelete: true }));
      counting.reset();
      await lifecycle.delete(revoked.id, revoked.outs);
      await lifecycle.delete(retired.id, retired.outs);
      expect(counting.count("RevokeGrant")).to.equal(1);
      expect(counting.count("RetireGrant")).to.equal(1);
      expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
    });

    it("refresh of many grants of one key costs one ListGrants; one grant alone uses the GrantId filter", async () => {
      const key = await createKey(kms);
      const created: Array<Awaited<ReturnType<GrantLifecycle["create"]>>> = [];
      for (let i = 0; i < 120; i++) created.push(await lifecycle.create(inputs(key.keyId, { name: `g${i}` })));
      expect(await allGrants(kms, key.keyId)).to.have.length(120);
      counting.reset();
      const reads = await Promise.all(created.map(({ id, outs }) => lifecycle.read(id, outs)));
      expect(reads.every((r, i) => r.id === created[i].id)).to.equal(true);
      expect(counting.count("ListGrants")).to.equal(pages(120));
      expect(counting.inputs("ListGrants")[0].GrantId).to.equal(undefined);
      counting.reset();
      const nextCommand = new GrantLifecycle({ grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) }, 10);
      await nextCommand.read(created[0].id, created[0].outs);
      expect(counting.count("ListGrants")).to.equal(1);
      // moto would list all 120 in one call too: only the filter shows that one grant was asked for.
      expect(counting.inputs("ListGrants").map((i) => i.GrantId)).to.deep.equal([created[0].id]);
    });

    it("reads in waves (Pulumi's --parallel) reuse one listing, but a grant missing from it is looked up again", async () => {
      const key = await createKey(kms);
      const created: Array<Awaited<ReturnType<GrantLifecycle["create"]>>> = [];
      for (let i = 0; i < 40; i++) created.push(await lifecycle.create(inputs(key.keyId, { name: `w${i}` })));
      const old = created.map(({ id, outs }) => ({ id, outs: { ...outs, createdAt: "2000-01-01T00:00:00.000Z" } }));
      // Time stands still for the reuse window (5 s), however slow the machine: it ends when the test says.
      const clock = new ManualClock("real");
      const fresh = new GrantLifecycle(
        { grants: () => new GrantApi(counting), keys: () => new KeyApi(counting) },
        10,
        new ProviderContext({ clock }),
      );
      counting.reset();
      for (let i = 0; i < 32; i += 16) await Promise.all(old.slice(i, i + 16).map(({ id, outs }) => fresh.read(id, outs)));
      expect(counting.count("ListGrants")).to.equal(pages(40));
      const results = await Promise.all(old.slice(32).map(({ id, outs }) => fresh.read(id, outs)));
      expect(results.every((r, i) => r.id === old[32 + i].id)).to.equal(true);
      expect(counting.count("ListGrants")).to.equal(pages(40));
      const late = await lifecycle.create(inputs(key.keyId, { name: "late" }));
      counting.reset();
      expect((await fresh.read(late.id, late.outs)).id).to.equal(late.id);
      expect(counting.count("ListGrants")).to.equal(1);
      counting.reset();
      clock.advance(5001);
      expect((await fresh.read(old[0].id, old[0].outs)).id).to.equal(old[0].id);
      expect(counting.inputs("ListGrants").map((i) => i.GrantId)).to.deep.equal([old[0].id]);
    });

    it("create on a disabled or pending-deletion key fails before CreateGrant (real KMS refuses it)", async () => {
      const key = await createKey(kms);
      await kms.send(new (await import("@aws-sdk/client-kms")).DisableKeyCommand({ KeyId: key.keyId }));
      let message = "";
      await lifecycle.create(inputs(key.keyId)).catch((e: Error) => (message = e.message));
      expect(message).to.contain("Disabled");
      expect(counting.count("CreateGrant")).to.equal(0);
    });

    it("a create whose duplicate check fails hands Pulumi the grant it made, so it is not leaked", async () => {
      const server = await moto();
      const proxy = await new FaultProxy(server.endpoint).start();
      try {
        const client = testKms(server, { via: proxy, maxAttempts: 2 });
        const viaProxy = new GrantLifecycle({ grants: () => new GrantApi(client), keys: () => new KeyApi(client) }, 10);
        const key = await createKey(kms);
        proxy.reset({ faults: [{ operations: ["ListGrants"], rate: 1, kinds: ["internal"] }] });
        const err = await viaProxy.create(inputs(key.keyId)).then(
          () => expect.fail("create succeeded"),
          (e: Error) => e,
        );
        expect(err).to.be.instanceOf(ResourceInitFailedError);
        const init = err as ResourceInitFailedError;
        const live = await allGrants(kms, key.keyId);
        expect(live.map((g) => g.GrantId)).to.deep.equal([init.id]);
        expect(init.properties).to.include({ grantId: init.id, keyArn: key.arn, name: "app-grant" });
        expect(init.properties.grantToken).to.be.a("string").and.not.equal("");
        expect(init.reasons[0]).to.contain("pulumi destroy");
        proxy.reset();
        await viaProxy.delete(init.id, init.properties as unknown as GrantOutputs);
        expect(await allGrants(kms, key.keyId)).to.deep.equal([]);
      } finally {
        await proxy.stop();
      }
    });
  });

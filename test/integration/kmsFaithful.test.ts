import {
  CreateGrantCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListGrantsCommand,
  PutKeyPolicyCommand,
  RevokeGrantCommand,
} from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { checkDrift } from "../../provider/drift/check";
import { exitCodeOf } from "../../provider/drift/report";
import { policiesEquivalent } from "../../provider/policy";
import { checkGrant, GrantInputs } from "../../provider/runtime/grantCheck";
import { UNKNOWN } from "../../provider/runtime/check";
import { dynamicProvider } from "../../provider/runtime/dynamicProvider";
import { GrantLifecycle, GrantOutputs } from "../../provider/runtime/grantLifecycle";
import { checkKeyPolicy, KeyPolicyInputs } from "../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../provider/runtime/keyPolicyLifecycle";
import { STACK_SETTINGS } from "../../provider/runtime/settings";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { allGrants, createKey, testKms } from "../support/kms";
import { ProviderContext } from "../../provider/runtime/context";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const grantee = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app`;
const LISTING_DELAY_MS = 400;
const PROPAGATION_MS = 400;
const PAGE_SIZE = 3;
const NEW_ROLE_MS = 500;

// The account appears once by id: KMS returns it as the root ARN (see docs/kms-emulator.md).
const policy = (extraActions: string[] = []) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: MOTO_ACCOUNT_ID }, Action: "kms:*", Resource: "*" },
      { Sid: "App", Effect: "Allow", Principal: { AWS: grantee }, Action: ["kms:Decrypt", ...extraActions], Resource: "*" },
    ],
  });

describe("integration: the KMS-faithful mode of the test proxy, and the lifecycles in it", () => {
  let direct: KMSClient;
  let proxy: FaultProxy;
  let client: KMSClient;
  let keyPolicies: KeyPolicyLifecycle;
  let grants: GrantLifecycle;
  /**
   * The mode with a listing delay no test outlasts, for the tests about a grant KMS does not list
   * yet: with the short delay above they would depend on the machine's speed.
   */
  let slowListing: FaultProxy;
  let slowClient: KMSClient;
  /** The mode where a new grant lists its grantee role as a unique id for NEW_ROLE_MS (a role created moments before). */
  let newRoles: FaultProxy;
  let newRolesClient: KMSClient;
  const live = async (keyId: string) =>
    (await direct.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
  const policyInputs = (keyId: string, overrides: Partial<KeyPolicyInputs> = {}): KeyPolicyInputs => {
    const { inputs, failures } = checkKeyPolicy({ keyId, policy: policy(), ...overrides });
    expect(failures).to.deep.equal([]);
    return inputs;
  };
  const grantInputs = (keyId: string, overrides: Record<string, unknown> = {}): GrantInputs => {
    const { inputs, failures } = checkGrant({
      keyId,
      granteePrincipal: grantee,
      operations: ["Decrypt"],
      name: "faithful-grant",
      ...overrides,
    });
    expect(failures).to.deep.equal([]);
    return inputs;
  };

  before(async () => {
    const server = await moto();
    direct = testKms(server);
    proxy = await new FaultProxy(server.endpoint, 12, {
      pageSize: PAGE_SIZE,
      grantListingDelayMs: LISTING_DELAY_MS,
      policyPropagationMs: PROPAGATION_MS,
    }).start();
    client = testKms(server, { via: proxy, maxAttempts: 3 });
    keyPolicies = new KeyPolicyLifecycle(() => new KeyApi(client), 10);
    grants = new GrantLifecycle(
      { grants: () => new GrantApi(client), keys: () => new KeyApi(client) },
      10,
      new ProviderContext({ settings: { grantListingDelaySeconds: (LISTING_DELAY_MS * 10) / 1000 } }),
    );
    slowListing = await new FaultProxy(server.endpoint, 13, { pageSize: PAGE_SIZE, grantListingDelayMs: 600_000 }).start();
    slowClient = testKms(server, { via: slowListing });
    newRoles = await new FaultProxy(server.endpoint, 14, { youngGranteeUniqueIdMs: NEW_ROLE_MS }).start();
    newRolesClient = testKms(server, { via: newRoles });
  });
  beforeEach(() => {
    proxy.reset();
    slowListing.reset();
    newRoles.reset();
  });
  after(async () => {
    await proxy.stop();
    await slowListing.stop();
    await newRoles.stop();
  });

  describe("the mode", () => {
    it("CreateGrant with a used Name and the same parameters returns the first GrantId, a new token, and creates nothing", async () => {
      const key = await createKey(direct);
      const create = (ops: string[]) =>
        client.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ops as never, Name: "dedup" }));
      const first = await create(["Decrypt", "Encrypt"]);
      const again = await create(["Encrypt", "Decrypt"]);
      expect(again.GrantId).to.equal(first.GrantId);
      expect(again.GrantToken).to.not.equal(first.GrantToken);
      const other = await create(["Decrypt"]);
      expect(other.GrantId).to.not.equal(first.GrantId);
      expect((await allGrants(direct, key.keyId)).map((g) => g.GrantId)).to.have.members([first.GrantId, other.GrantId]);
    });

    it("ListGrants pages (Truncated, NextMarker), never more than the page size, and hides a new grant for a while", async () => {
      const key = await createKey(direct);
      // Hidden while young: through the mode with a delay no test outlasts, so that this does not
      // depend on the machine's speed.
      const young = await slowClient.send(
        new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: "young" }),
      );
      expect((await slowClient.send(new ListGrantsCommand({ KeyId: key.keyId }))).Grants ?? []).to.deep.equal([]);
      expect((await slowClient.send(new ListGrantsCommand({ KeyId: key.keyId, GrantId: young.GrantId }))).Grants ?? []).to.deep.equal([]);
      await direct.send(new RevokeGrantCommand({ KeyId: key.keyId, GrantId: young.GrantId }));
      for (let i = 0; i < 7; i++)
        await client.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: `p${i}` }));
      await sleep(LISTING_DELAY_MS);
      const first = await client.send(new ListGrantsCommand({ KeyId: key.keyId, Limit: 100 }));
      expect(first.Grants).to.have.length(PAGE_SIZE);
      expect(first.Truncated).to.equal(true);
      expect(first.Grants?.[0].CreationDate).to.be.instanceOf(Date);
      const all = await new GrantApi(client).listGrants(key.keyId);
      expect(all.map((g) => g.Name)).to.have.members(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
      expect(proxy.count("ListGrants")).to.equal(1 + Math.ceil(7 / PAGE_SIZE));
    });

    it("GetKeyPolicy returns the policy re-serialized, and the old one on and off for a while after PutKeyPolicy", async () => {
      const key = await createKey(direct);
      const before = await live(key.keyId);
      await client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy() }));
      const reads: string[] = [];
      for (let i = 0; i < 4; i++)
        reads.push((await client.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string);
      expect(policiesEquivalent(reads[0], before)).to.equal(true);
      expect(policiesEquivalent(reads[1], policy())).to.equal(true);
      expect(policiesEquivalent(reads[2], before)).to.equal(true);
      await sleep(PROPAGATION_MS);
      const settled = (await client.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
      expect(settled).to.not.equal(policy());
      expect(settled).to.contain('"Statement" : [');
      expect(settled).to.contain(`arn:aws:iam::${MOTO_ACCOUNT_ID}:root`);
      expect(settled.indexOf('"App"')).to.be.lessThan(settled.indexOf('"Root"'));
      expect(policiesEquivalent(settled, policy())).to.equal(true);
    });

    it("a deleted grantee role shows as its unique id, in ListGrants and in the key policy", async () => {
      const key = await createKey(direct);
      const gone = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/deleted-${key.keyId.slice(0, 8)}`;
      await direct.send(new CreateGrantCommand({ KeyId: key.keyId, GranteePrincipal: gone, Operations: ["Decrypt"] }));
      const uniqueId = proxy.faithful?.deletePrincipal(gone) as string;
      expect(uniqueId).to.match(/^AROA[A-Z0-9]{17}$/);
      const [entry] = await new GrantApi(client).listGrants(key.keyId);
      expect(entry.GranteePrincipal).to.equal(uniqueId);
      await direct.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy().replace(grantee, gone) }));
      expect(await new KeyApi(client).getKeyPolicy(key.keyId, "default"))
        .to.contain(uniqueId)
        .and.not.contain(gone);
    });

    it("a new grant lists its grantee role as the role's unique id for a while, then as its ARN", async () => {
      const key = await createKey(direct);
      const role = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/new-${key.keyId.slice(0, 8)}`;
      const { grantId } = await new GrantApi(newRolesClient).createGrant({
        keyId: key.arn,
        granteePrincipal: role,
        operations: ["Decrypt"],
        name: "new-role",
      });
      const shown = async () => (await new GrantApi(newRolesClient).listGrants(key.arn, { grantId }))[0].GranteePrincipal;
      const young = await shown();
      expect(young).to.match(/^AROA[A-Z0-9]{17}$/);
      expect(await shown(), "one role, one unique id").to.equal(young);
      await sleep(NEW_ROLE_MS);
      expect(await shown()).to.equal(role);
    });
  });

  describe("the lifecycles in the mode", () => {
    it("a replaced Grant with the same name (KMS returns the old GrantId) keeps exactly one live grant, the one in the state", async () => {
      const key = await createKey(direct);
      const old = await grants.create(grantInputs(key.arn));
      await sleep(LISTING_DELAY_MS);
      // The replacement comes in a later deployment, so another provider process; there, create
      // before delete, as Pulumi replaces (pulumi up --replace, or a move without an alias).
      const replacing = new GrantLifecycle(
        { grants: () => new GrantApi(client), keys: () => new KeyApi(client) },
        10,
        new ProviderContext({ settings: { grantListingDelaySeconds: (LISTING_DELAY_MS * 10) / 1000 } }),
      );
      const replacement = await replacing.create(grantInputs(key.arn));
      expect(replacement.id, "KMS handed back the grant of the resource replaced").to.equal(old.id);
      await replacing.delete(old.id, old.outs);
      const liveIds = (await allGrants(direct, key.keyId)).map((g) => g.GrantId);
      expect(liveIds).to.deep.equal([replacement.id]);
      expect(replacement.outs.grantId).to.equal(replacement.id);
      expect(proxy.count("RevokeGrant")).to.equal(0);
    });

    it("the same, when the replacement comes while KMS does not list the old grant yet", async () => {
      const slowRun = () =>
        new GrantLifecycle(
          { grants: () => new GrantApi(slowClient), keys: () => new KeyApi(slowClient) },
          10,
          new ProviderContext({ settings: { grantListingDelaySeconds: 600 } }),
        );
      const key = await createKey(direct);
      const old = await slowRun().create(grantInputs(key.arn));
      // The replacement's deployment (a provider process of its own) follows at once.
      const slow = slowRun();
      const replacement = await slow.create(grantInputs(key.arn));
      expect(replacement.id).to.equal(old.id);
      expect(await new GrantApi(slowClient).listGrants(key.arn), "KMS does not list the grant yet").to.deep.equal([]);
      await slow.delete(old.id, old.outs);
      expect((await allGrants(direct, key.keyId)).map((g) => g.GrantId)).to.deep.equal([replacement.id]);
      // The resource that holds the grant now still revokes it when it is deleted itself.
      await slow.delete(replacement.id, replacement.outs);
      expect(await allGrants(direct, key.keyId)).to.deep.equal([]);
      expect(slowListing.count("RevokeGrant")).to.equal(1);
    });

    it("the limit: when the replaced resource's delete runs in a later process (a failed up), it revokes the grant; a refresh then finds it gone", async () => {
      const key = await createKey(direct);
      const old = await grants.create(grantInputs(key.arn, { name: "failed-run" }));
      const replacing = new GrantLifecycle(
        { grants: () => new GrantApi(client), keys: () => new KeyApi(client) },
        10,
        new ProviderContext({ settings: { grantListingDelaySeconds: 0 } }),
      );
      const replacement = await replacing.create(grantInputs(key.arn, { name: "failed-run" }));
      expect(replacement.id).to.equal(old.id);
      // The next run's provider process knows nothing of the hand-over.
      const nextRun = new GrantLifecycle(
        { grants: () => new GrantApi(client), keys: () => new KeyApi(client) },
        10,
        new ProviderContext({ settings: { grantListingDelaySeconds: 0 } }),
      );
      await nextRun.delete(old.id, old.outs);
      expect(await allGrants(direct, key.keyId)).to.deep.equal([]);
      expect(await nextRun.read(replacement.id, replacement.outs), "gone: pulumi up creates it again").to.deep.equal({});
    });

    it("migration: a Grant declared with the name and parameters of a grant made out of band adopts it; nothing is revoked", async () => {
      const key = await createKey(direct);
      const outOfBand = await direct.send(
        new CreateGrantCommand({ KeyId: key.arn, GranteePrincipal: grantee, Operations: ["Decrypt"], Name: "migrated" }),
      );
      const adopted = await grants.create(grantInputs(key.arn, { name: "migrated" }));
      expect(adopted.id).to.equal(outOfBand.GrantId);
      expect(proxy.count("RevokeGrant")).to.equal(0);
      expect((await allGrants(direct, key.keyId)).map((g) => g.GrantId)).to.deep.equal([outOfBand.GrantId]);
      await sleep(LISTING_DELAY_MS);
      expect((await grants.read(adopted.id, adopted.outs)).id).to.equal(outOfBand.GrantId);
    });

    it("a grantee role deleted after create, on a grant older than the listing delay: refresh records KMS's unique id, and the diff replaces the grant", async () => {
      const key = await createKey(direct);
      const role = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/short-lived-${key.keyId.slice(0, 8)}`;
      const inputs = grantInputs(key.arn, { name: "to-deleted", granteePrincipal: role });
      const { id, outs } = await grants.create(inputs);
      await sleep(LISTING_DELAY_MS);
      const uniqueId = proxy.faithful?.deletePrincipal(role) as string;
      // Created longer ago than the listing delay (4 s here): the id is no new role's any more.
      const read = await grants.read(id, { ...outs, createdAt: new Date(Date.now() - LISTING_DELAY_MS * 10 - 1000).toISOString() });
      expect(read.id).to.equal(id);
      expect(read.props?.granteePrincipal).to.equal(uniqueId);
      expect(read.props?.effectiveGrantee).to.deep.equal({ kind: "iam", principal: uniqueId });
      const diff = await grants.diff(read.props as GrantOutputs, inputs);
      expect(diff).to.deep.include({ changes: true, replaces: ["granteePrincipal"] });
    });

    it("a grantee role created moments before the grant, listed as its unique id: refresh reads again and keeps the recorded grantee, drift is not drift; only a unique id that persists past the listing delay is", async () => {
      const key = await createKey(direct);
      const role = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/new-${key.keyId.slice(0, 8)}`;
      const inputs = grantInputs(key.arn, { name: "new-role", granteePrincipal: role });
      // Refresh moments after the up, within the listing delay (60 s), its re-reads 100 ms apart.
      const refresh = new GrantLifecycle(
        { grants: () => new GrantApi(newRolesClient), keys: () => new KeyApi(newRolesClient) },
        100,
        new ProviderContext({ settings: { grantListingDelaySeconds: 60 } }),
      );
      const { id, outs } = await refresh.create(inputs);
      newRoles.reset();
      const read = await refresh.read(id, outs);
      expect(read.props?.granteePrincipal).to.equal(role);
      expect(read.inputs?.granteePrincipal).to.equal(role);
      expect(newRoles.count("ListGrants"), "read again until KMS shows the role's ARN").to.be.greaterThan(1);
      expect(await refresh.diff(read.props as GrantOutputs, inputs)).to.deep.include({ changes: false, replaces: [] });

      // While the unique id persists, a young grant is kept as recorded and drift exits 0 ...
      (newRoles.faithful as NonNullable<typeof newRoles.faithful>).options.youngGranteeUniqueIdMs = 600_000;
      try {
        const kept = await refresh.read(id, outs);
        expect(kept.props?.granteePrincipal).to.equal(role);
        const resource = {
          kind: "Grant" as const,
          urn: "urn:new-role",
          name: "new-role",
          keyArn: key.arn,
          grantId: id,
          granteePrincipal: role,
          operations: ["Decrypt"],
          createdAt: outs.createdAt,
        };
        const clients = { keys: () => new KeyApi(newRolesClient), grants: () => new GrantApi(newRolesClient) };
        const young = await checkDrift([resource], clients, { grantListingDelaySeconds: 60 });
        expect(young.resources[0].status).to.equal("unsettled-grantee");
        expect(young.resources[0].message).to.match(/unique id AROA/);
        expect(exitCodeOf(young)).to.equal(0);
        // ... and past the listing delay it means the role was deleted: drift, and a refresh records it.
        const old = await checkDrift([resource], clients, { grantListingDelaySeconds: 0 });
        expect(old.resources[0].status).to.equal("drifted");
        expect(exitCodeOf(old)).to.equal(1);
        const later = new GrantLifecycle(
          { grants: () => new GrantApi(newRolesClient), keys: () => new KeyApi(newRolesClient) },
          10,
          new ProviderContext({ settings: { grantListingDelaySeconds: 0 } }),
        );
        expect((await later.read(id, outs)).props?.granteePrincipal).to.match(/^AROA/);
      } finally {
        (newRoles.faithful as NonNullable<typeof newRoles.faithful>).options.youngGranteeUniqueIdMs = NEW_ROLE_MS;
      }
    });

    it("a KeyPolicy replaced or moved without an alias ends with the declared policy; its destroy restores the pre-stack policy", async () => {
      const key = await createKey(direct);
      const preStack = await live(key.keyId);
      const old = await keyPolicies.create(policyInputs(key.keyId));
      await sleep(PROPAGATION_MS);
      const moved = await keyPolicies.create(policyInputs(key.keyId, { policy: policy(["kms:Encrypt"]) }));
      await sleep(PROPAGATION_MS);
      // The old one's delete proves it was this stack's: it hands the pre-stack policy over.
      await keyPolicies.delete(old.id, old.outs);
      await sleep(PROPAGATION_MS);
      expect(policiesEquivalent(await live(key.keyId), policy(["kms:Encrypt"]))).to.equal(true);
      const refreshed = await keyPolicies.read(moved.id, moved.outs);
      expect(policiesEquivalent(refreshed.props?.previousPolicy as string, preStack)).to.equal(true);
      await keyPolicies.delete(moved.id, moved.outs);
      await sleep(PROPAGATION_MS);
      expect(policiesEquivalent(await live(key.keyId), preStack)).to.equal(true);
    });

    it("grantTokens given as inputs stay out of the outputs and of what read returns", async () => {
      const key = await createKey(direct);
      const token = "a".repeat(64);
      const { id, outs } = await grants.create(grantInputs(key.arn, { name: "with-tokens", grantTokens: [token] }));
      expect(JSON.stringify(outs)).to.not.contain(token);
      await sleep(LISTING_DELAY_MS);
      const read = await grants.read(id, outs);
      expect(JSON.stringify(read)).to.not.contain(token);
      expect(JSON.stringify(grants.update(outs, grantInputs(key.arn, { name: "with-tokens", grantTokens: [token] })))).to.not.contain(
        token,
      );
    });

    it("keyId changed between the key id and its ARN is no change at all", async () => {
      const key = await createKey(direct);
      const kp = await keyPolicies.create(policyInputs(key.keyId));
      expect(await keyPolicies.diff(kp.outs, policyInputs(key.arn))).to.deep.include({ changes: false, replaces: [] });
      const grant = await grants.create(grantInputs(key.keyId));
      expect(await grants.diff(grant.outs, grantInputs(key.arn))).to.deep.include({ changes: false, replaces: [] });
    });

    it("a refresh moments after an update, while KMS still answers some reads with the old policy, is no drift", async () => {
      // A poll long enough for the reads to outlast the mode's propagation (100 ms, doubling).
      const settling = new KeyPolicyLifecycle(() => new KeyApi(client), 100);
      const key = await createKey(direct);
      const created = await settling.create(policyInputs(key.keyId));
      await sleep(PROPAGATION_MS);
      const updated = await settling.update(created.outs, policyInputs(key.keyId, { policy: policy(["kms:Encrypt"]) }));
      // The update's read-back waited for five equivalent answers in a row, so it outlasted the
      // stale answers: a refresh right after it reads once.
      let reads = proxy.count("GetKeyPolicy");
      expect((await settling.read(created.id, updated.outs)).props?.policy).to.equal(updated.outs.policy);
      expect(proxy.count("GetKeyPolicy") - reads).to.equal(1);
      // A refresh from another process while the put still propagates (the same put, made here
      // without the read-back) reads past the stale answers.
      await sleep(PROPAGATION_MS);
      await client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: created.outs.policy }));
      await client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: updated.outs.policy }));
      reads = proxy.count("GetKeyPolicy");
      const refreshed = await settling.read(created.id, updated.outs);
      expect(refreshed.props?.policy).to.equal(updated.outs.policy);
      // The first read was the old policy (the mode's alternation), so the refresh read again.
      expect(proxy.count("GetKeyPolicy") - reads).to.be.greaterThan(1);
      // A policy that really changed is still drift, after one more read that agrees.
      await direct.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy(["kms:Sign"]) }));
      const drifted = await settling.read(created.id, updated.outs);
      expect(policiesEquivalent(drifted.props?.policy as string, policy(["kms:Sign"]))).to.equal(true);
    });

    it("delete puts the previous policy back even while a read still shows it", async () => {
      const key = await createKey(direct);
      const preStack = await live(key.keyId);
      const { id, outs } = await keyPolicies.create(policyInputs(key.keyId));
      // The read-back saw the new policy; the next read is served the old one again.
      await keyPolicies.delete(id, outs);
      await sleep(PROPAGATION_MS);
      expect(policiesEquivalent(await live(key.keyId), preStack)).to.equal(true);
    });

    it("a refusal on a retry, after an attempt that may have landed, still puts the previous policy back", async () => {
      const key = await createKey(direct);
      const preStack = await live(key.keyId);
      // The first attempt lands but its answer is lost; the SDK's retry is refused.
      proxy.reset({
        faults: [
          { operations: ["PutKeyPolicy"], rate: 1, kinds: ["access-denied"], skip: 1, times: 1 },
          { operations: ["PutKeyPolicy"], rate: 1, kinds: ["drop-after"], times: 1 },
        ],
      });
      const err = await keyPolicies.create(policyInputs(key.keyId)).then(
        () => expect.fail("create succeeded"),
        (e: Error) => e,
      );
      expect(err.message).to.contain("AccessDeniedException");
      expect(proxy.count("PutKeyPolicy")).to.equal(3);
      await sleep(PROPAGATION_MS);
      expect(policiesEquivalent(await live(key.keyId), preStack)).to.equal(true);
    });

    it("a stack setting a row does not take fails check, naming key, value and range, before any KMS call", async () => {
      const context = new ProviderContext();
      const provider = dynamicProvider(
        context,
        checkGrant,
        new GrantLifecycle({ grants: () => new GrantApi(client), keys: () => new KeyApi(client) }, 10, context),
      );
      const configure = (values: Record<string, string>) =>
        provider.configure?.({ config: { get: (k: string) => values[k] } } as unknown as Parameters<
          NonNullable<typeof provider.configure>
        >[0]);
      const key = await createKey(direct);
      const news = { keyId: key.arn, granteePrincipal: grantee, operations: ["Decrypt"], name: "settings" };
      try {
        await configure({ "kms-policy:maxAttempts": "abc", "kms-policy:dryRun": "true" });
        const refused = await provider.check?.({} as GrantInputs, news as GrantInputs);
        expect(refused?.failures?.map((f) => f.property)).to.deep.equal(["kms-policy:maxAttempts"]);
        expect(refused?.failures?.[0].reason).to.contain('kms-policy:maxAttempts is "abc"').and.contain(STACK_SETTINGS.maxAttempts.accepts);
        expect(proxy.requests).to.deep.equal([]);
        // The control: with the setting fixed, the same check asks KMS (the dry run) through the proxy.
        await configure({ "kms-policy:maxAttempts": "3", "kms-policy:dryRun": "true" });
        expect((await provider.check?.({} as GrantInputs, news as GrantInputs))?.failures).to.deep.equal([]);
        expect(proxy.bodies("CreateGrant").map((b) => b.DryRun)).to.deep.equal([true]);
      } finally {
        await configure({});
      }
    });

    it("inputs not known at preview decide nothing against a state the mode made: changes stays unknown, no replace", async () => {
      const key = await createKey(direct);
      const grant = await grants.create(grantInputs(key.arn, { name: "unknowns" }));
      const policyState = await keyPolicies.create(policyInputs(key.keyId));
      const grantDiff = await grants.diff(grant.outs, grantInputs(UNKNOWN, { name: "unknowns" }));
      expect(grantDiff.replaces).to.deep.equal([]);
      expect(grantDiff.changes).to.equal(undefined);
      const policyDiff = await keyPolicies.diff(policyState.outs, { ...policyInputs(key.keyId), keyId: UNKNOWN });
      expect(policyDiff.replaces).to.deep.equal([]);
      expect(policyDiff.changes).to.equal(undefined);
      // A known change still decides beside the unknown.
      expect(await grants.diff(grant.outs, grantInputs(UNKNOWN, { name: "unknowns", operations: ["Encrypt"] }))).to.deep.include({
        changes: true,
        replaces: ["operations"],
      });
    });

    it("kms-policy drift reports a grant younger than the listing delay that ListGrants does not show yet as not listed yet", async () => {
      const key = await createKey(direct);
      const slow = new GrantLifecycle(
        { grants: () => new GrantApi(slowClient), keys: () => new KeyApi(slowClient) },
        10,
        new ProviderContext({ settings: { grantListingDelaySeconds: 600 } }),
      );
      const { id, outs } = await slow.create(grantInputs(key.arn, { name: "young" }));
      const resource = {
        kind: "Grant" as const,
        urn: "urn:young",
        name: "young",
        keyArn: key.arn,
        grantId: id,
        granteePrincipal: grantee,
        operations: ["Decrypt"],
        createdAt: outs.createdAt,
      };
      const clients = { keys: () => new KeyApi(slowClient), grants: () => new GrantApi(slowClient) };
      const young = await checkDrift([resource], clients, { grantListingDelaySeconds: 60 });
      expect(young.resources[0].status).to.equal("not-listed-yet");
      expect(young.resources[0].message).to.contain("not listed yet");
      expect(exitCodeOf(young)).to.equal(0);
      const old = await checkDrift([{ ...resource, createdAt: "2000-01-01T00:00:00.000Z" }], clients, { grantListingDelaySeconds: 60 });
      expect(old.resources[0].status).to.equal("gone");
    });
  });
});

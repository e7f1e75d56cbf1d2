import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../provider/aws/grants";
import { KeyApi } from "../../provider/aws/keys";
import { PropagationWait } from "../../provider/aws/propagation";
import { policiesEquivalent } from "../../provider/policy";
import { systemClock } from "../../provider/clock";
import { checkGrant } from "../../provider/runtime/grantCheck";
import { GrantLifecycle } from "../../provider/runtime/grantLifecycle";
import { checkKeyPolicy, KeyPolicyInputs } from "../../provider/runtime/keyPolicyCheck";
import { KeyPolicyLifecycle } from "../../provider/runtime/keyPolicyLifecycle";
import { MOTO_ACCOUNT_ID } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";
import { ProviderContext } from "../../provider/runtime/context";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROPAGATION_MS = 600;
const IAM_PROPAGATION_MS = 1500;
/** Three stale answers in a row, then new and old mixed: not a strict alternation. */
const STALE_ANSWERS = "ooonoon";
const app = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app`;

const policy = (extra: string[] = [], principal = app) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Root", Effect: "Allow", Principal: { AWS: MOTO_ACCOUNT_ID }, Action: "kms:*", Resource: "*" },
      { Sid: "App", Effect: "Allow", Principal: { AWS: principal }, Action: ["kms:Decrypt", ...extra], Resource: "*" },
    ],
  });

describe("integration: KeyPolicy and Grant trust paths in the KMS-faithful mode (stale answers not alternating, IAM propagation)", () => {
  let direct: KMSClient;
  let proxy: FaultProxy;
  let client: KMSClient;
  const live = async (keyId: string) =>
    (await direct.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }))).Policy as string;
  const inputs = (keyId: string, overrides: Partial<KeyPolicyInputs> = {}): KeyPolicyInputs => {
    const { inputs: checked, failures } = checkKeyPolicy({ keyId, policy: policy(), ...overrides });
    expect(failures).to.deep.equal([]);
    return checked;
  };
  const keyPolicies = (wait?: PropagationWait) => new KeyPolicyLifecycle(() => new KeyApi(client, { propagation: wait }), 20);

  before(async () => {
    const server = await moto();
    direct = testKms(server);
    proxy = await new FaultProxy(server.endpoint, 21, {
      policyPropagationMs: PROPAGATION_MS,
      staleAnswers: STALE_ANSWERS,
      iamPropagationMs: IAM_PROPAGATION_MS,
    }).start();
    client = testKms(server, { via: proxy, maxAttempts: 1 });
  });
  beforeEach(() => proxy.reset());
  after(() => proxy.stop());

  describe("the mode", () => {
    it("GetKeyPolicy answers the old policy several times in a row after PutKeyPolicy, as the staleAnswers cycle says, then the new one", async () => {
      const key = await createKey(direct);
      const before = await live(key.keyId);
      await client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy() }));
      const answers: string[] = [];
      for (let i = 0; i < STALE_ANSWERS.length; i++) {
        const read = (await client.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
        answers.push(policiesEquivalent(read, before, { tolerant: true }) ? "o" : "n");
      }
      expect(answers.join("")).to.equal(STALE_ANSWERS);
      await sleep(PROPAGATION_MS);
      const settled = (await client.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default" }))).Policy as string;
      expect(policiesEquivalent(settled, policy())).to.equal(true);
    });

    it("a principal created moments ago: CreateGrant answers InvalidArnException and PutKeyPolicy MalformedPolicyDocumentException (invalid principals), until IAM has propagated", async () => {
      const key = await createKey(direct);
      const young = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/young-${key.keyId.slice(0, 8)}`;
      proxy.faithful?.createPrincipal(young);
      const grant = () =>
        new GrantApi(client).createGrant({ keyId: key.arn, granteePrincipal: young, operations: ["Decrypt"], name: "young" });
      const put = () => new KeyApi(client).putKeyPolicy(key.arn, "default", policy([], young), false);
      expect((await grant().catch((e: Error) => e)) as Error)
        .to.have.property("message")
        .that.contains("InvalidArnException");
      expect((await put().catch((e: Error) => e)) as Error)
        .to.have.property("message")
        .that.contains("MalformedPolicyDocumentException")
        .and.contains("invalid principals");
      await sleep(IAM_PROPAGATION_MS);
      expect((await grant()).grantId).to.be.a("string");
      await put();
    });
  });

  describe("the lifecycles in the mode", () => {
    it("a refresh moments after an update, while KMS answers the policy the update replaced three times in a row, is no drift", async () => {
      const lifecycle = keyPolicies();
      const key = await createKey(direct);
      const created = await lifecycle.create(inputs(key.keyId));
      await sleep(PROPAGATION_MS);
      // The update's put, seen by a refresh in another process while it still propagates: the
      // state the update writes, and the put itself through the mode.
      const updated = await lifecycle.update(
        { ...created.outs, policy: policy(["kms:Encrypt"]) },
        inputs(key.keyId, { policy: policy(["kms:Encrypt"]) }),
      );
      const state = { ...updated.outs, replacedPolicy: created.outs.policy };
      await client.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: "default", Policy: policy(["kms:Encrypt"]) }));
      const reads = proxy.count("GetKeyPolicy");
      const refreshed = await lifecycle.read(created.id, state);
      expect(refreshed.props?.policy).to.equal(state.policy);
      expect(proxy.count("GetKeyPolicy") - reads).to.be.greaterThan(STALE_ANSWERS.indexOf("n"));
    });

    it("the read-back after a put does not end on the first equivalent answer: it reads the new policy five times in a row", async () => {
      const lifecycle = keyPolicies();
      const key = await createKey(direct);
      proxy.reset();
      await lifecycle.create(inputs(key.keyId));
      // The pre-stack read settles on five equal answers; the read-back needs five in a row after
      // the stale ones of the cycle, so it cannot have ended after the first "n".
      expect(proxy.count("GetKeyPolicy")).to.be.at.least(5 + 5 + STALE_ANSWERS.indexOf("n"));
    });

    it("a destroy followed at once by a create: the pre-stack policy recorded is the key's, not the destroyed stack's that stale reads still show", async () => {
      const lifecycle = keyPolicies();
      const key = await createKey(direct);
      const preStack = await live(key.keyId);
      const a = await lifecycle.create(inputs(key.keyId));
      await lifecycle.delete(a.id, a.outs);
      const b = await lifecycle.create(inputs(key.keyId));
      expect(policiesEquivalent(b.outs.previousPolicy, preStack, { tolerant: true })).to.equal(true);
      await sleep(PROPAGATION_MS);
      await lifecycle.delete(b.id, b.outs);
      await sleep(PROPAGATION_MS);
      expect(policiesEquivalent(await live(key.keyId), preStack, { tolerant: true })).to.equal(true);
    });

    it("a KeyPolicy naming a role created moments ago is put once IAM has propagated, within kms-policy:iamPropagationSeconds", async () => {
      const key = await createKey(direct);
      const young = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/new-reader-${key.keyId.slice(0, 8)}`;
      proxy.faithful?.createPrincipal(young);
      const created = await keyPolicies({ seconds: 30, clock: systemClock, firstPauseMs: 200 }).create(
        inputs(key.keyId, { policy: policy([], young) }),
      );
      expect(created.outs.policy).to.contain(young);
      expect(proxy.count("PutKeyPolicy")).to.be.greaterThan(1);
    });

    it("a Grant to a role created moments ago is created once IAM has propagated; with too short a window the error says propagation was waited for", async () => {
      const key = await createKey(direct);
      const young = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/new-grantee-${key.keyId.slice(0, 8)}`;
      const grants = (wait: PropagationWait) =>
        new GrantLifecycle(
          { grants: () => new GrantApi(client, wait), keys: () => new KeyApi(client) },
          10,
          new ProviderContext({ settings: { grantListingDelaySeconds: 5 } }),
        );
      const grantInputs = (name: string) => {
        const { inputs: checked, failures } = checkGrant({ keyId: key.arn, granteePrincipal: young, operations: ["Decrypt"], name });
        expect(failures).to.deep.equal([]);
        return checked;
      };
      proxy.faithful?.createPrincipal(young);
      const err = await grants({ seconds: 0.3, clock: systemClock, firstPauseMs: 100 })
        .create(grantInputs("too-soon"))
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(err?.message).to.contain("InvalidArnException").and.contain("IAM propagation was waited for");
      const created = await grants({ seconds: 30, clock: systemClock, firstPauseMs: 200 }).create(grantInputs("in-time"));
      expect(created.id).to.be.a("string");
    });
  });
});

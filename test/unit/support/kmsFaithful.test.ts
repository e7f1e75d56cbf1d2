import { expect } from "chai";
import { Answer, Forward, KmsFaithful } from "../../support/kmsFaithful";

/**
 * The KMS-faithful mode's pending policies, without moto: a stand-in KMS holds one policy per
 * (Region, key id), as KMS does for the replicas of a multi-Region key.
 */
describe("test support: the KMS-faithful mode keeps pending policies per Region", () => {
  const MRK = "mrk-1234abcd12ab34cd56ef1234567890ab";
  const policies = new Map<string, string>();
  const kmsIn =
    (region: string): Forward =>
    async (operation, input): Promise<Answer> => {
      const place = `${region}/${String(input.KeyId).split("/").pop()}`;
      if (operation === "PutKeyPolicy") policies.set(place, String(input.Policy));
      return { status: 200, body: operation === "GetKeyPolicy" ? { Policy: policies.get(place) } : {} };
    };
  const doc = (sid: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: sid, Effect: "Allow", Action: "kms:*" }] });
  const sidOf = (answer: Answer | undefined) =>
    (JSON.parse(String(answer?.body.Policy)) as { Statement: Array<{ Sid: string }> }).Statement[0].Sid;

  it("a PutKeyPolicy on one replica leaves the other replica's reads alone", async () => {
    const faithful = new KmsFaithful({ policyPropagationMs: 60_000 });
    policies.set(`us-east-1/${MRK}`, doc("PrimaryOld"));
    policies.set(`eu-west-1/${MRK}`, doc("Replica"));
    await faithful.handle(
      "PutKeyPolicy",
      { KeyId: MRK, PolicyName: "default", Policy: doc("PrimaryNew") },
      kmsIn("us-east-1"),
      "us-east-1",
    );
    const get = (region: string) => faithful.handle("GetKeyPolicy", { KeyId: MRK, PolicyName: "default" }, kmsIn(region), region);
    // The replica never changed: every read of it is its own policy, never the primary's old one.
    for (let i = 0; i < 4; i++) expect(sidOf(await get("eu-west-1"))).to.equal("Replica");
    // The primary's reads alternate between the old and the new policy while the change propagates.
    const primary = [];
    for (let i = 0; i < 4; i++) primary.push(sidOf(await get("us-east-1")));
    expect(primary).to.deep.equal(["PrimaryOld", "PrimaryNew", "PrimaryOld", "PrimaryNew"]);
    // The same key by ARN is the same place.
    const byArn = await faithful.handle(
      "GetKeyPolicy",
      { KeyId: `arn:aws:kms:us-east-1:111122223333:key/${MRK}`, PolicyName: "default" },
      kmsIn("us-east-1"),
      "us-east-1",
    );
    expect(sidOf(byArn)).to.equal("PrimaryOld");
  });
});

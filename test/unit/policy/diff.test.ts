import { expect } from "chai";
import { diffPolicies, formatPolicyDiff } from "../../../provider/policy";

const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const use = {
  Sid: "Use",
  Effect: "Allow",
  Principal: { AWS: ["arn:aws:iam::111122223333:role/app"] },
  Action: ["kms:Decrypt", "kms:Encrypt"],
  Resource: "*",
  Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
};
const doc = (...s: unknown[]) => ({ Version: "2012-10-17", Statement: s });

describe("policy engine: diff", () => {
  it("matches statements by Sid and lists what changed inside", () => {
    const after = { ...use, Principal: { AWS: ["arn:aws:iam::111122223333:role/app", "arn:aws:iam::111122223333:role/new"] }, Action: ["kms:Encrypt"] };
    const diff = diffPolicies(doc(root, use), doc(after, root));
    expect(diff.added).to.deep.equal([]);
    expect(diff.removed).to.deep.equal([]);
    expect(diff.changed).to.have.length(1);
    expect(diff.changed[0].label).to.equal("Use");
    expect(diff.changed[0].principals).to.deep.equal({ added: ["AWS:arn:aws:iam::111122223333:role/new"], removed: [] });
    expect(diff.changed[0].actions).to.deep.equal({ added: [], removed: ["kms:Decrypt"] }, "as written");
  });

  it("pairs statements without Sid by the facts they share", () => {
    const a = { ...use, Sid: undefined };
    const b = { ...a, Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } } };
    const diff = diffPolicies(doc(root, a), doc(root, b));
    expect(diff.changed).to.have.length(1);
    expect(diff.changed[0].conditions.added).to.deep.equal([{ operator: "StringEquals", key: "kms:ViaService", value: "s3.eu-west-1.amazonaws.com" }]);
    expect(diff.changed[0].conditions.removed).to.deep.equal([{ operator: "StringEquals", key: "kms:ViaService", value: "s3.us-east-1.amazonaws.com" }]);
  });

  it("reports unrelated statements as added and removed rather than forcing a match", () => {
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    const diff = diffPolicies(doc(root, use), doc(root, deny));
    expect(diff.changed).to.deep.equal([]);
    expect(diff.added.map((s) => s.Action)).to.deep.equal([["kms:ScheduleKeyDeletion"]]);
    expect(diff.removed.map((s) => s.Sid)).to.deep.equal(["Use"]);
  });

  it("reports Version and Id changes", () => {
    const diff = diffPolicies({ ...doc(root), Id: "a" }, { Version: "2008-10-17", Id: "b", Statement: [root] });
    expect(diff.version).to.deep.equal({ from: "2012-10-17", to: "2008-10-17" });
    expect(diff.id).to.deep.equal({ from: "a", to: "b" });
    expect(diff.equivalent).to.equal(false);
  });
});

describe("policy engine: formatPolicyDiff", () => {
  const after = doc(root, { ...use, Principal: { AWS: "arn:aws:iam::111122223333:role/new" } }, { Sid: "NoDelete", Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" });
  const diff = diffPolicies(doc(root, use), after);

  it("says nothing for equivalent policies", () => {
    expect(formatPolicyDiff(diffPolicies(doc(root, use), doc(use, root)))).to.equal("");
  });

  it("renders text: a title with counts, one line per change, no JSON", () => {
    const text = formatPolicyDiff(diff, { title: "key policy differs" });
    expect(text.split("\n")).to.deep.equal([
      "key policy differs: 1 statement added, 1 statement changed",
      "  ~ statement Use",
      "    + principal AWS:arn:aws:iam::111122223333:role/new (widens access)",
      "    - principal AWS:arn:aws:iam::111122223333:role/app (narrows access)",
      "  + statement NoDelete: Deny kms:ScheduleKeyDeletion to AWS:* (narrows access)",
    ]);
    expect(text).to.not.match(/[{}]/);
  });

  it("renders markdown with code spans", () => {
    const md = formatPolicyDiff(diff, { format: "markdown" });
    expect(md).to.contain("**policy differs**: 1 statement added, 1 statement changed");
    expect(md).to.contain("- **changed** statement `Use`");
    expect(md).to.contain("  - **added** principal `AWS:arn:aws:iam::111122223333:role/new`");
    expect(md).to.contain("- **added** statement `NoDelete`: Deny `kms:ScheduleKeyDeletion` to `AWS:*` (narrows access)");
  });

  it("shortens long lists", () => {
    const many = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::111122223333:role/r${i}`);
    const text = formatPolicyDiff(diffPolicies(doc(root), doc(root, { ...use, Principal: { AWS: many } })), { maxListItems: 3 });
    expect(text).to.contain("and 7 more");
  });
});

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
    const after = {
      ...use,
      Principal: { AWS: ["arn:aws:iam::111122223333:role/app", "arn:aws:iam::111122223333:role/new"] },
      Action: ["kms:Encrypt"],
    };
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
    expect(diff.changed[0].conditions.added).to.deep.equal([
      { operator: "StringEquals", key: "kms:ViaService", value: "s3.eu-west-1.amazonaws.com" },
    ]);
    expect(diff.changed[0].conditions.removed).to.deep.equal([
      { operator: "StringEquals", key: "kms:ViaService", value: "s3.us-east-1.amazonaws.com" },
    ]);
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
  const after = doc(
    root,
    { ...use, Principal: { AWS: "arn:aws:iam::111122223333:role/new" } },
    { Sid: "NoDelete", Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" },
  );
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

describe("policy engine: diffs in the user's words", () => {
  const app = "arn:aws:iam::111122223333:role/app";
  const noSid = { Effect: "Allow", Principal: { AWS: app }, Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], Resource: "*" };

  it("names actions, principals and condition keys as the policy wrote them", () => {
    const before = doc(root, use);
    const after = doc(root, {
      ...use,
      Action: ["KMS:Decrypt", "kms:ReEncrypt*"],
      Principal: { AWS: [app, "999999999999"] },
      Condition: { StringEquals: { "KMS:ViaService": "s3.us-east-1.amazonaws.com" } },
    });
    const text = formatPolicyDiff(diffPolicies(before, after));
    expect(text).to.contain("+ principal AWS:999999999999 (widens access)");
    expect(text).to.contain("+ action kms:ReEncrypt* (widens access)");
    expect(text).to.contain("- action kms:Encrypt (narrows access)");
    expect(text).to.not.match(/kms:decrypt|kms:reencrypt|arn:aws:iam::999999999999:root/);
    expect(text, "a condition key in other case is the same condition").to.not.contain("condition");
  });

  it("labels a statement without Sid by its effect, principal and first actions", () => {
    const changed = { ...noSid, Action: [...noSid.Action, "kms:DescribeKey"] };
    const text = formatPolicyDiff(diffPolicies(doc(root, noSid), doc(root, changed)));
    expect(text).to.contain(`~ statement (Allow AWS:${app} kms:Decrypt, kms:DescribeKey +2)`);
    expect(text).to.not.contain("#");
  });

  it("an added Allow widens, an added Deny narrows; removing them does the reverse", () => {
    const deny = { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    expect(formatPolicyDiff(diffPolicies(doc(root), doc(root, noSid)))).to.match(/\+ statement: Allow .* \(widens access\)$/m);
    expect(formatPolicyDiff(diffPolicies(doc(root, noSid), doc(root)))).to.match(/- statement: Allow .* \(narrows access\)$/m);
    expect(formatPolicyDiff(diffPolicies(doc(root), doc(root, deny)))).to.match(/\+ statement: Deny .* \(narrows access\)$/m);
    expect(formatPolicyDiff(diffPolicies(doc(root, deny), doc(root)))).to.match(/- statement: Deny .* \(widens access\)$/m);
  });

  it("in a Deny, a principal added narrows access and a condition added widens it", () => {
    const deny = { Sid: "NoDelete", Effect: "Deny", Principal: { AWS: app }, Action: "kms:ScheduleKeyDeletion", Resource: "*" };
    const text = formatPolicyDiff(
      diffPolicies(
        doc(root, deny),
        doc(root, {
          ...deny,
          Principal: { AWS: [app, "arn:aws:iam::111122223333:role/ops"] },
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
        }),
      ),
    );
    expect(text).to.contain("+ principal AWS:arn:aws:iam::111122223333:role/ops (narrows access)");
    expect(text).to.contain("+ condition Bool aws:MultiFactorAuthPresent = false (widens access)");
  });

  it("in an Allow, a condition removed widens; another value for a condition key widens; a new key narrows", () => {
    const viaS3 = { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } };
    const removed = formatPolicyDiff(diffPolicies(doc(root, use), doc(root, { ...use, Condition: undefined })));
    expect(removed).to.contain("- condition StringEquals kms:ViaService = s3.us-east-1.amazonaws.com (widens access)");
    const more = formatPolicyDiff(
      diffPolicies(
        doc(root, { ...use, Condition: viaS3 }),
        doc(root, {
          ...use,
          Condition: { StringEquals: { "kms:ViaService": ["s3.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"] } },
        }),
      ),
    );
    expect(more).to.contain("+ condition StringEquals kms:ViaService = ec2.us-east-1.amazonaws.com (widens access)");
    const key = formatPolicyDiff(
      diffPolicies(
        doc(root, { ...use, Condition: viaS3 }),
        doc(root, { ...use, Condition: { ...viaS3, StringEquals: { ...viaS3.StringEquals, "kms:CallerAccount": "111122223333" } } }),
      ),
    );
    expect(key).to.contain("+ condition StringEquals kms:CallerAccount = 111122223333 (narrows access)");
  });

  it("an Effect flipped says so once, without per-element wording", () => {
    const text = formatPolicyDiff(diffPolicies(doc(root, use), doc(root, { ...use, Effect: "Deny", Action: "kms:Decrypt" })));
    expect(text).to.contain("~ Effect Allow -> Deny (narrows access)");
    expect(text).to.match(/- action kms:Encrypt$/m);
  });

  it("NotAction added to an Allow narrows access", () => {
    const all = { Sid: "AllBut", Effect: "Allow", Principal: { AWS: app }, NotAction: "kms:ScheduleKeyDeletion", Resource: "*" };
    const text = formatPolicyDiff(
      diffPolicies(doc(root, all), doc(root, { ...all, NotAction: ["kms:ScheduleKeyDeletion", "kms:DisableKey"] })),
    );
    expect(text).to.contain("+ excluded action (NotAction) kms:DisableKey (narrows access)");
  });
});

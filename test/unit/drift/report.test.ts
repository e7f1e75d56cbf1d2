import { expect } from "chai";
import { diffPolicies } from "../../../provider/policy";
import { accessChange } from "../../../provider/drift/access";
import { DriftReport } from "../../../provider/drift/check";
import { exitCodeOf, jsonReport, junitReport, markdownReport, summarize, textReport } from "../../../provider/drift/report";
import { parseStackExport } from "../../../provider/drift/stackExport";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../../provider/resourceTypes";

const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const secret = (text: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75f19e6a61c0", ciphertext: text });

describe("drift: reading a stack export", () => {
  it("finds this package's resources, skips others and pending deletes, never reads secrets", () => {
    const exported = {
      deployment: {
        resources: [
          { urn: "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", type: "pulumi:pulumi:Stack", outputs: {} },
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:KeyPolicy::kp",
            type: KEY_POLICY_TYPE,
            id: keyArn,
            outputs: { keyArn, policy: "{}", policyName: "default" },
          },
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:Grant::g",
            type: GRANT_TYPE,
            id: "gid",
            outputs: { keyArn, grantId: "gid", grantToken: secret("v1:abc"), operations: ["Decrypt"], name: "n" },
          },
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:Grant::old",
            type: GRANT_TYPE,
            id: "old",
            delete: true,
            outputs: { keyArn, grantId: "old" },
          },
          {
            urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/kms:KeyPolicy::hidden",
            type: KEY_POLICY_TYPE,
            outputs: { keyArn, policy: secret("v1:xyz") },
          },
        ],
      },
    };
    const found = parseStackExport(JSON.stringify(exported));
    expect(found.map((r) => [r.kind, r.name])).to.deep.equal([
      ["KeyPolicy", "kp"],
      ["Grant", "g"],
      ["KeyPolicy", "hidden"],
    ]);
    expect(JSON.stringify(found)).to.not.contain("v1:abc");
    expect(found[2]).to.have.property("policy", undefined);
  });

  it("refuses input that is not an export", () => {
    expect(() => parseStackExport("nope")).to.throw(/not JSON/);
    expect(() => parseStackExport("{}")).to.throw(/no `deployment`/);
  });
});

describe("drift: reports and exit codes", () => {
  const diff = diffPolicies(
    {
      Version: "2012-10-17",
      Statement: [{ Sid: "A", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:*", Resource: "*" }],
    },
    {
      Version: "2012-10-17",
      Statement: [{ Sid: "A", Effect: "Allow", Principal: { AWS: ["111122223333", "444455556666"] }, Action: "kms:*", Resource: "*" }],
    },
  );
  const report: DriftReport = {
    resources: [
      { kind: "KeyPolicy", urn: "u1", name: "kp", keyArn, status: "drifted", policyDiff: diff },
      { kind: "Grant", urn: "u2", name: "g", keyArn, grantId: "gid", status: "gone", message: "grant gid no longer exists" },
      { kind: "Grant", urn: "u3", name: "h", keyArn, grantId: "hid", status: "in-sync" },
    ],
  };

  it("exit codes: 0 in sync, 1 drift or gone or unmanaged, 2 any error", () => {
    expect(exitCodeOf({ resources: [report.resources[2]] })).to.equal(0);
    expect(exitCodeOf(report)).to.equal(1);
    expect(exitCodeOf({ resources: [report.resources[2]], unmanagedGrants: [{ keyArn, grantId: "x", operations: [] }] })).to.equal(1);
    expect(
      exitCodeOf({ resources: [...report.resources, { kind: "Grant", urn: "u4", name: "e", keyArn, status: "error", message: "boom" }] }),
    ).to.equal(2);
  });

  it("json has the documented schema", () => {
    const json = JSON.parse(jsonReport(report)) as Record<string, unknown>;
    expect(Object.keys(json)).to.deep.equal(["schemaVersion", "summary", "resources"]);
    expect(json.summary).to.deep.equal(summarize(report));
    const [kp] = json.resources as Array<Record<string, unknown>>;
    expect(Object.keys(kp)).to.deep.equal(["kind", "name", "urn", "keyArn", "status", "policyDiff"]);
    expect((kp.policyDiff as { changed: Array<Record<string, unknown>> }).changed[0]).to.not.have.property("before");
  });

  it("text: colour only when asked; markdown: a table and details", () => {
    expect(textReport(report, false)).to.not.contain("\u001b[");
    expect(textReport(report, true)).to.contain("\u001b[31m");
    expect(textReport(report)).to.contain("+ principal AWS:444455556666");
    const md = markdownReport(report);
    expect(md).to.contain("### KMS drift: 3 resources: 1 in sync, 1 drifted, 1 gone");
    expect(md).to.contain("| Grant `g` |");
  });

  it("junit: one test case per resource; drifted and gone fail, an error is an error, names are escaped", () => {
    const withError: DriftReport = {
      resources: [
        ...report.resources,
        { kind: "KeyPolicy", urn: "u4", name: 'a<b>&"c"', keyArn, status: "error", message: "AccessDenied: kms:GetKeyPolicy" },
      ],
      unmanagedGrants: [{ keyArn, grantId: "stray", operations: ["Decrypt"] }],
    };
    const xml = junitReport(withError);
    expect(xml.split("\n")[0]).to.equal('<?xml version="1.0" encoding="UTF-8"?>');
    expect(xml).to.contain('<testsuites name="kms-policy drift" tests="5" failures="3" errors="1">');
    expect(xml.match(/<testcase /g)).to.have.length(5);
    expect(xml).to.contain('<testcase classname="kms-policy.Grant" name="h" file="u3"/>');
    expect(xml).to.match(
      /<testcase classname="kms-policy.KeyPolicy" name="kp" file="u1">\n\s*<failure type="drifted"[^>]*>[^<]*\+ principal AWS:444455556666/,
    );
    expect(xml).to.contain('<failure type="gone" message="grant gid no longer exists">');
    expect(xml).to.contain('name="a&lt;b&gt;&amp;&quot;c&quot;"');
    expect(xml).to.contain('<error type="error" message="AccessDenied: kms:GetKeyPolicy">');
    expect(xml).to.contain('<testcase classname="kms-policy.UnmanagedGrant" name="stray">');
  });

  it("unowned statements are listed in every format, counted in the summary, and fail nothing", () => {
    const listed: DriftReport = {
      resources: [{ kind: "KeyPolicyStatement", urn: "us", name: "mine", keyArn, status: "in-sync" }],
      unownedStatements: [
        { keyArn, sid: "Root", statement: '{"Sid":"Root","Effect":"Allow","Action":"kms:*|x"}' },
        { keyArn, index: 2, statement: '{"Effect":"Allow"}' },
      ],
    };
    expect(exitCodeOf(listed)).to.equal(0);
    const json = JSON.parse(jsonReport(listed)) as { summary: { unownedStatements: number }; unownedStatements: unknown[] };
    expect(json.summary.unownedStatements).to.equal(2);
    expect(json.unownedStatements).to.deep.equal(listed.unownedStatements);
    const text = textReport(listed);
    expect(text).to.contain("1 resource: 1 in sync, 2 unowned statements");
    expect(text).to.contain(`Sid "Root"  {"Sid":"Root"`);
    expect(text).to.contain(`statement 2 (no Sid)  {"Effect":"Allow"}  (${keyArn})`);
    const md = markdownReport(listed);
    expect(md).to.contain("#### Unowned statements");
    expect(md, "a pipe in a cell is escaped").to.contain("kms:*\\|x");
    expect(md).to.contain(`| statement 2 (no Sid) | \`${keyArn}\` |`);
    const xml = junitReport(listed);
    expect(xml).to.contain('tests="3" failures="0" errors="0"');
    expect(xml).to.match(/<testcase classname="kms-policy.UnownedStatement" name="Sid &quot;Root&quot;" file="[^"]+">\n\s*<system-out>/);
    expect(xml).to.not.match(/UnownedStatement[^\n]*\n\s*<failure/);
  });

  it("a grant whose grantee is not settled yet is reported as such in every format, and is not drift", () => {
    const unsettled: DriftReport = {
      resources: [
        {
          kind: "Grant",
          urn: "u5",
          name: "young",
          keyArn,
          grantId: "yid",
          status: "unsettled-grantee",
          message: "grant yid: its grantee is listed as the unique id AROAEXAMPLEUNIQUEID01",
        },
      ],
    };
    expect(exitCodeOf(unsettled)).to.equal(0);
    expect(summarize(unsettled)).to.include({ unsettledGrantee: 1, notListedYet: 0, drifted: 0 });
    expect(textReport(unsettled)).to.contain("1 resource: 0 in sync, 1 with a grantee not settled yet");
    expect(markdownReport(unsettled)).to.contain("grantee not settled yet");
    const xml = junitReport(unsettled);
    expect(xml).to.contain("<system-out>grant yid: its grantee is listed as the unique id AROAEXAMPLEUNIQUEID01</system-out>");
    expect(xml).to.not.contain("<failure");
    expect((JSON.parse(jsonReport(unsettled)) as { resources: Array<{ status: string }> }).resources[0].status).to.equal(
      "unsettled-grantee",
    );
  });

  it("junit: each resource's account and Region are test-case properties, so two replicas of a multi-Region key are told apart", () => {
    const mrk = "mrk-1234abcd12ab34cd56ef1234567890ab";
    const located: DriftReport = {
      resources: [
        { kind: "KeyPolicy", urn: "u1", name: "primary", keyArn: `arn:aws:kms:us-east-1:222233334444:key/${mrk}`, status: "in-sync" },
        {
          kind: "KeyPolicy",
          urn: "u2",
          name: "replica",
          keyArn: `arn:aws:kms:eu-west-1:222233334444:key/${mrk}`,
          account: "222233334444",
          region: "eu-west-1",
          status: "drifted",
          policyDiff: diff,
        },
        { kind: "Grant", urn: "u3", name: "g", keyArn, grantId: "gid", account: "111122223333", region: "us-east-1", status: "in-sync" },
      ],
    };
    const xml = junitReport(located);
    const testcase = (name: string) => new RegExp(`<testcase [^>]*name="${name}"[^>]*?(/>|>[^]*?</testcase>)`).exec(xml)?.[0] ?? "";
    expect(testcase("replica")).to.match(
      /<properties>\n\s*<property name="account" value="222233334444"\/>\n\s*<property name="region" value="eu-west-1"\/>\n\s*<\/properties>\n\s*<failure type="drifted"/,
    );
    expect(testcase("g")).to.contain('<property name="account" value="111122223333"/>');
    expect(testcase("g")).to.contain('<property name="region" value="us-east-1"/>');
    expect(testcase("g")).to.not.contain("<failure");
    // Nothing known, nothing said: no empty properties.
    expect(testcase("primary")).to.equal('<testcase classname="kms-policy.KeyPolicy" name="primary" file="u1"/>');
    expect(xml.match(/<testcase /g)).to.have.length(3);
  });
});

describe("drift: whether a drifted key policy grants new access", () => {
  const stack = {
    Version: "2012-10-17",
    Statement: [{ Sid: "A", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: ["kms:Decrypt", "kms:Encrypt"], Resource: "*" }],
  };
  const wider = { ...stack, Statement: [{ ...stack.Statement[0], Principal: { AWS: ["111122223333", "444455556666"] } }] };
  const narrower = { ...stack, Statement: [{ ...stack.Statement[0], Action: "kms:Decrypt" }] };
  const drifted = (name: string, live: object): DriftReport["resources"][number] => ({
    kind: "KeyPolicy",
    urn: `urn:${name}`,
    name,
    keyArn,
    status: "drifted",
    policyDiff: diffPolicies(stack, live),
    access: accessChange(JSON.stringify(stack), JSON.stringify(live), { tolerant: true }),
  });
  const report: DriftReport = { resources: [drifted("widened", wider), drifted("narrowed", narrower)] };

  it("is judged by checkNoNewAccess(stack's, live): a new principal is new access, a removed action only narrows", () => {
    expect(report.resources[0].access?.newAccess).to.equal(true);
    expect(report.resources[0].access?.reasons[0].message).to.contain("444455556666");
    expect(report.resources[1].access).to.deep.equal({ newAccess: false, reasons: [] });
    expect(summarize(report).newAccess).to.equal(1);
  });

  it("never throws on a live policy it cannot read: the judgement is left out", () => {
    expect(accessChange(JSON.stringify(stack), "not json", { tolerant: true })).to.equal(undefined);
  });

  it("every format says it: text, markdown, the json access field, a junit failure type of its own", () => {
    const text = textReport(report);
    expect(text).to.contain("2 drifted (1 granting new access)");
    expect(text).to.match(/drifted\s+KeyPolicy widened\s+\([^)]*\)\s+NEW ACCESS/);
    expect(text).to.not.match(/KeyPolicy narrowed[^\n]*NEW ACCESS/);
    expect(text).to.contain("SECURITY: the live policy may grant access the stack's policy does not");
    expect(text).to.contain("the drift only narrows it");
    const md = markdownReport(report);
    expect(md).to.contain("**drifted** **new access** |");
    expect(md).to.contain("<summary>KeyPolicy <code>widened</code>: drifted, grants new access</summary>");
    const json = JSON.parse(jsonReport(report)) as {
      summary: { newAccess: number };
      resources: Array<{ access?: { newAccess: boolean } }>;
    };
    expect(json.summary.newAccess).to.equal(1);
    expect(json.resources.map((r) => r.access?.newAccess)).to.deep.equal([true, false]);
    const xml = junitReport(report);
    expect(xml).to.match(/name="widened"[^]*?<failure type="drifted-new-access" message="[^"]*grants new access/);
    expect(xml).to.match(/name="narrowed"[^]*?<failure type="drifted"/);
  });
});

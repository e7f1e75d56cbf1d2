import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sarifValidator } from "../../support/sarif";
import { run } from "./run";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-access-"));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
};

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const APP = "arn:aws:iam::111122223333:role/App";
const WORKER = "arn:aws:iam::111122223333:role/Worker";
const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const use = { Sid: "Use", Effect: "Allow", Principal: { AWS: APP }, Action: "kms:Decrypt", Resource: "*" };
const policy = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
const before = write("before.json", policy(admin, use));
const widened = write("widened.json", policy(admin, { ...use, Action: ["kms:Decrypt", "kms:Encrypt"] }));
// Same meaning, written differently: the check must see through it.
const rewritten = write("rewritten.json", policy({ ...use, Action: ["KMS:DECRYPT"], Principal: { AWS: [APP] } }, admin));
const invalid = write("invalid.json", policy(admin, { ...use, Effect: "Permit" }));

describe("kms-policy check and kms-policy access (the built command)", function () {
  this.timeout(60_000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("check no-new-access: exit 1 naming the statement, principal and action a widening adds, placed in AFTER", () => {
    const r = run(["check", "no-new-access", before, widened]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/^FAIL: /);
    expect(r.stdout).to.contain(`${widened}:`);
    expect(r.stdout).to.contain("Statement[1]: proven new access");
    expect(r.stdout).to.contain(APP);
    expect(r.stdout).to.contain("kms:Encrypt");
    expect(r.stdout).to.not.contain("kms:Decrypt,");
  });

  it("check no-new-access: exit 0 for a narrowing and for a rewrite with the same meaning", () => {
    const narrowed = run(["check", "no-new-access", widened, before]);
    expect(narrowed.status, narrowed.stdout + narrowed.stderr).to.equal(0);
    expect(narrowed.stdout).to.match(/^PASS: /);
    expect(run(["check", "no-new-access", before, rewritten]).status).to.equal(0);
  });

  it("check no-new-access: reads aws kms get-key-policy output as the policy it holds", () => {
    const live = write("live.json", { Policy: JSON.stringify(policy(admin, use)), PolicyName: "default" });
    expect(run(["check", "no-new-access", live, before]).status).to.equal(0);
    expect(run(["check", "no-new-access", live, widened]).status).to.equal(1);
  });

  it("check: exit 2 when a policy is invalid or missing, or the check or its operands are wrong", () => {
    const bad = run(["check", "no-new-access", before, invalid]);
    expect(bad.status).to.equal(2);
    expect(bad.stdout).to.contain("could not check");
    expect(bad.stdout).to.contain(invalid);
    expect(bad.stdout).to.contain("Effect");
    const missing = run(["check", "no-new-access", path.join(dir, "nope.json"), before]);
    expect(missing.status).to.equal(2);
    expect(missing.stdout).to.contain("no such file");
    expect(run(["check", "no-such-check", before]).status).to.equal(2);
    expect(run(["check", "no-new-access", before]).status).to.equal(2);
    expect(run(["check", "access-not-granted", before]).stderr).to.contain("--action");
    expect(run(["check", "no-new-access", before, widened, "--action", "kms:Decrypt"]).status).to.equal(2);
  });

  it("check access-not-granted: exit 1 naming the statement for an action granted, 0 when none of the principals has it", () => {
    const granted = run(["check", "access-not-granted", widened, "--action", "kms:Encrypt", "--principal", APP]);
    expect(granted.status).to.equal(1);
    expect(granted.stdout).to.contain("Statement[1]");
    expect(granted.stdout).to.contain("kms:Encrypt");
    const other = run(["check", "access-not-granted", widened, "--action", "kms:Encrypt", "--principal", WORKER]);
    expect(other.status, other.stdout).to.equal(0);
    expect(run(["check", "access-not-granted", before, "--action", "kms:Encrypt", "--principal", APP]).status).to.equal(0);
    // The account's root has kms:* through Admin: asking about every principal fails.
    expect(run(["check", "access-not-granted", before, "--action", "kms:Encrypt"]).status).to.equal(1);
  });

  it("check: SARIF and JSON in validate's formats, with the check's rule and the statement's line", () => {
    const sarif = JSON.parse(run(["check", "no-new-access", before, widened, "--format", "sarif"]).stdout) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<{ ruleId: string; level: string; locations: unknown[] }>;
      }>;
    };
    const validate = sarifValidator();
    expect(validate(sarif), JSON.stringify(validate.errors)).to.equal(true);
    expect(sarif.runs[0].tool.driver.rules.map((r) => r.id)).to.deep.equal(["no-new-access"]);
    expect(sarif.runs[0].results).to.have.length(1);
    expect(sarif.runs[0].results[0].ruleId).to.equal("no-new-access");
    expect(sarif.runs[0].results[0].level).to.equal("error");
    const json = JSON.parse(run(["check", "access-not-granted", widened, "--action", "kms:Encrypt", "--format", "json"]).stdout) as {
      files: Array<{ file: string; findings: Array<{ rule: string; severity: string; path: string; line: number }> }>;
    };
    expect(json.files[0].file).to.equal(widened);
    const found = json.files[0].findings.find((f) => f.path === "Statement[1]");
    expect(found?.rule).to.equal("access-granted");
    expect(found?.severity).to.equal("security");
    expect(found?.line).to.be.greaterThan(1);
    const github = run(["check", "no-new-access", before, widened, "--format", "github"]).stdout;
    expect(github).to.match(/^::error file=.*widened\.json,line=\d+/);
  });

  it("access FILE: each principal's allowed, conditional and denied actions, as text, markdown and json", () => {
    const conditional = write(
      "conditional.json",
      policy(
        admin,
        { ...use, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } },
        {
          Sid: "NoWorker",
          Effect: "Deny",
          Principal: { AWS: WORKER },
          Action: "kms:*",
          Resource: "*",
        },
      ),
    );
    const text = run(["access", conditional]);
    expect(text.status).to.equal(0);
    expect(text.stdout).to.contain(`  ${APP}\n    under conditions (Statement[1]): kms:Decrypt`);
    expect(text.stdout).to.match(/kms:ViaService = s3\.us-east-1\.amazonaws\.com/i);
    expect(run(["access", conditional, "--format", "markdown"]).stdout).to.contain("| Principal | Allowed | Under conditions | Denied |");
    const json = JSON.parse(run(["access", conditional, "--format", "json"]).stdout) as {
      policies: Array<{ matrix: { entries: Array<{ principal: string; allowed: string[]; denied: string[] }> } }>;
    };
    const worker = json.policies[0].matrix.entries.find((e) => e.principal === WORKER);
    expect(worker?.denied).to.include("kms:Decrypt");
    expect(worker?.allowed).to.deep.equal([]);
  });

  it("access EXPORT: one matrix per KeyPolicy, with the stack's Grants on that key added; a secret policy exits 2", () => {
    const resource = (type: string, name: string, outputs: object) => ({
      urn: `urn:pulumi:dev::p::${type}::${name}`,
      type,
      id: name,
      outputs,
    });
    const exported = {
      deployment: {
        resources: [
          resource("pulumi-nodejs:dynamic/kms:KeyPolicy", "key-policy", { keyArn: KEY, policy: JSON.stringify(policy(admin, use)) }),
          resource("pulumi-nodejs:dynamic/kms:Grant", "worker-grant", {
            keyArn: "1234abcd-12ab-34cd-56ef-1234567890ab",
            grantId: "g1",
            granteePrincipal: WORKER,
            operations: ["Encrypt", "Decrypt"],
          }),
          resource("pulumi-nodejs:dynamic/kms:Grant", "other-key-grant", {
            keyArn: "arn:aws:kms:us-east-1:111122223333:key/other",
            grantId: "g2",
            granteePrincipal: "arn:aws:iam::111122223333:role/Elsewhere",
            operations: ["Decrypt"],
          }),
        ],
      },
    };
    const r = run(["access", write("export.json", exported), "--format", "json"]);
    expect(r.status, r.stderr).to.equal(0);
    const json = JSON.parse(r.stdout) as {
      policies: Array<{ source: string; matrix: { entries: Array<{ principal: string; allowed: string[] }> } }>;
    };
    expect(json.policies.map((p) => p.source)).to.deep.equal(["key-policy"]);
    const principals = json.policies[0].matrix.entries.map((e) => e.principal);
    expect(principals).to.include(WORKER);
    expect(principals).to.not.include("arn:aws:iam::111122223333:role/Elsewhere");
    expect(json.policies[0].matrix.entries.find((e) => e.principal === WORKER)?.allowed).to.have.members(["kms:Encrypt", "kms:Decrypt"]);

    const secret = structuredClone(exported);
    (secret.deployment.resources[0].outputs as Record<string, unknown>).policy = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: "x",
    };
    const hidden = run(["access", write("secret.json", secret)]);
    expect(hidden.status).to.equal(2);
    expect(hidden.stderr).to.contain("key-policy");
    expect(hidden.stderr).to.contain("secret");
  });
});

import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { sarifValidator } from "../../support/sarif";
import { CLI, run } from "./run";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-cli-"));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
};

const statement = { Sid: "Use", Effect: "Allow", Principal: { AWS: "111122223333" }, Action: "kms:Decrypt", Resource: "*" };
// The account may still change the policy (no lockout).
const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
const a = write("a.json", { Version: "2012-10-17", Statement: [admin, statement] });
const reformatted = write("b.json", {
  Statement: [
    {
      Resource: ["*"],
      Action: ["KMS:DECRYPT"],
      Effect: "Allow",
      Sid: "Use",
      Principal: { AWS: ["arn:aws:iam::111122223333:root"] },
    },
    admin,
  ],
  Version: "2012-10-17",
});
const widened = write("c.json", { Version: "2012-10-17", Statement: [admin, { ...statement, Action: ["kms:Decrypt", "kms:Encrypt"] }] });
const broken = write("d.json", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Condtion": {}}]}');
// Accepted by KMS, but public (security) and with a typo (warning) on known lines.
const risky = write(
  "risky.json",
  `{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Admin", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111122223333:root" }, "Action": "kms:*", "Resource": "*" },
    {
      "Sid": "Everyone",
      "Effect": "Allow",
      "Principal": "*",
      "Action": ["kms:Decrypt", "kms:Decryt"],
      "Resource": "*"
    }
  ]
}`,
);

// A console-style Sid with spaces, another account's CreateGrant, and two identity policies (no Principal).
const spaced = write(
  "spaced.json",
  `{
  "Version": "2012-10-17",
  "Statement": [
    { "Sid": "Allow everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*" },
    { "Sid": "Partner", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::444455556666:root" }, "Action": "kms:CreateGrant", "Resource": "*" }
  ]
}`,
);
const identity = {
  Version: "2012-10-17",
  Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
};
const identityA = write("identity-a.json", identity);
const identityB = write("identity-b.json", {
  ...identity,
  Statement: [{ ...identity.Statement[0], Action: ["s3:GetObject", "s3:PutObject"] }],
});

describe("kms-policy command (the built command, run as a child process)", function () {
  this.timeout(60_000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the installed bin runs: diff reads - from standard input and sets the exit code", () => {
    const r = spawnSync(process.execPath, [CLI, "diff", a, "-"], { input: fs.readFileSync(widened, "utf8"), encoding: "utf8" });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("~ statement Use");
  });

  it("diff: exit 0 for equivalent policies", () => {
    const r = run(["diff", a, reformatted]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.contain("equivalent");
  });

  it("diff: exit 1 with a readable diff when they differ", () => {
    const r = run(["diff", a, widened]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("~ statement Use");
    expect(r.stdout).to.contain("+ action kms:Encrypt (widens access)");
  });

  it("diff: markdown format", () => {
    const r = run(["diff", a, widened, "--format", "markdown"]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("**added** action `kms:Encrypt` (widens access)");
  });

  it("diff: exit 2 naming the file and the problem for invalid input", () => {
    const r = run(["diff", a, broken]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain(broken);
    expect(r.stderr).to.contain('did you mean "Condition"');
  });

  it("validate: exit 0 for a valid key policy, 1 with path, rule and fix for one KMS would refuse", () => {
    expect(run(["validate", a]).status).to.equal(0);
    const r = run(["validate", broken]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("Statement[0].Condtion");
    expect(r.stdout).to.contain("[unknown-key]");
    expect(r.stdout).to.contain("fix:");
  });

  it("validate: text names file, line, column, severity and rule; --fail-on (default security) decides the exit code", () => {
    const r = run(["validate", risky]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain(`${risky}:8:7: security [public-access] Statement[1].Principal`);
    expect(r.stdout).to.contain(`${risky}:9:33: warning [unknown-action] Statement[1].Action[1]`);
    expect(r.stdout).to.contain('did you mean "kms:Decrypt"');
    expect(run(["validate", risky, "--fail-on", "error"]).status).to.equal(0);
    expect(run(["validate", a, "--fail-on", "suggestion"]).status).to.equal(0);
    expect(run(["validate", a, risky, broken, "--fail-on", "warning"]).status).to.equal(1);
    expect(run(["validate", risky, "--fail-on", "bogus"]).status).to.equal(2);
    const ignored = run(["validate", risky, "--fail-on", "security", "--ignore", "Everyone:public-access"]);
    expect(ignored.status).to.equal(0);
    expect(ignored.stdout).to.not.contain("public-access");
    expect(ignored.stdout).to.contain("unknown-action");
    expect(run(["validate", risky, "--ignore", "nocolon"]).status).to.equal(2);
  });

  it("validate: --ignore takes one Sid:rule per flag, Sids with spaces included", () => {
    // With the owner given, both statements have a security finding: one --ignore each leaves out both.
    const args = ["validate", spaced, "--fail-on", "security", "--account", "111122223333", "--bypass-policy-lockout-safety-check"];
    const all = run(args);
    expect(all.status).to.equal(1);
    expect(all.stdout).to.contain("security [public-access] Statement[0].Principal");
    expect(all.stdout).to.contain("security [cross-account-create-grant] Statement[1].Principal.AWS");
    const one = run([...args, "--ignore", "Allow everyone:public-access"]);
    expect(one.status).to.equal(1);
    expect(one.stdout).to.not.contain("[public-access]");
    expect(one.stdout).to.contain("[cross-account-create-grant]");
    const both = run([...args, "--ignore", "Allow everyone:public-access", "--ignore", "Partner:cross-account-create-grant"]);
    expect(both.status).to.equal(0);
    expect(both.stdout).to.not.contain("[public-access]");
    expect(both.stdout).to.not.contain("[cross-account-create-grant]");
  });

  it("validate: --ignore refuses an unknown rule id and several entries in one flag (exit 2, with the fix)", () => {
    const unknown = run(["validate", spaced, "--ignore", "Partner:x"]);
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.contain('"x" is not a rule id').and.contain("cross-account-create-grant");
    expect(unknown.stdout).to.equal("");
    const joined = run(["validate", spaced, "--ignore", "Allow everyone:public-access,Partner:cross-account-create-grant"]);
    expect(joined.status).to.equal(2);
    expect(joined.stderr).to.contain("looks like several entries").and.contain("repeat --ignore");
  });

  it("validate: --account names the key's owner for the cross-account rules", () => {
    // Without it, no account is allowed kms:PutKeyPolicy, so the owner is unknown and the rule stays quiet.
    expect(run(["validate", spaced]).stdout).to.not.contain("cross-account-create-grant");
    const r = run(["validate", spaced, "--account", "111122223333", "--fail-on", "security"]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("security [cross-account-create-grant] Statement[1].Principal.AWS");
    expect(run(["validate", spaced, "--account", "444455556666"]).stdout).to.not.contain("cross-account-create-grant");
    expect(run(["validate", spaced, "--account", "1234"]).status).to.equal(2);
  });

  it("validate: json lists each file's findings with their locations", () => {
    const r = run(["validate", a, risky, "--format", "json"]);
    const report = JSON.parse(r.stdout) as {
      files: Array<{ file: string; findings: Array<{ rule: string; severity: string; line: number; column: number }> }>;
    };
    expect(report.files.map((f) => f.file)).to.deep.equal([a, risky]);
    expect(report.files[0].findings).to.deep.equal([]);
    expect(report.files[1].findings.map((f) => [f.rule, f.severity, f.line])).to.deep.equal([
      ["public-access", "security", 8],
      ["unknown-action", "warning", 9],
    ]);
  });

  it("validate: github prints workflow commands that annotate the file and line", () => {
    const r = run(["validate", risky, "--format", "github"]);
    const lines = r.stdout.trim().split("\n");
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(
      /^::error file=[^,]*risky\.json,line=8,col=7,title=kms-policy public-access \(security\)::Statement\[1\]\.Principal: /,
    );
    expect(lines[1]).to.match(/^::warning file=[^,]*risky\.json,line=9,col=33,title=kms-policy unknown-action \(warning\)::/);
  });

  it("validate: sarif passes the SARIF 2.1.0 schema and carries rule metadata and locations", () => {
    const validate = sarifValidator();
    const r = run(["validate", a, risky, broken, "--format", "sarif"]);
    expect(r.status).to.equal(1);
    const log = JSON.parse(r.stdout);
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).to.equal(true);
    // The schema itself must be able to fail: a result without a message is not SARIF.
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ruleId: "x" }] }] })).to.equal(false);
    const run0 = log.runs[0];
    const rules = run0.tool.driver.rules as Array<{ id: string; helpUri: string; properties: { severity: string } }>;
    expect(rules.find((x) => x.id === "public-access")?.properties.severity).to.equal("security");
    expect(rules.find((x) => x.id === "unknown-key")?.helpUri).to.match(/^https:\/\/docs\.aws\.amazon\.com\//);
    const pub = run0.results.find((x: { ruleId: string }) => x.ruleId === "public-access");
    expect(pub.level).to.equal("error");
    expect(rules[pub.ruleIndex].id).to.equal("public-access");
    expect(pub.locations[0].physicalLocation.region).to.deep.equal({ startLine: 8, startColumn: 7 });
    expect(pub.locations[0].logicalLocations[0].fullyQualifiedName).to.equal("Statement[1].Principal");
    // Outside the working directory, a file: URI; inside it, a relative path (what code scanning resolves).
    expect(pub.locations[0].physicalLocation.artifactLocation.uri).to.equal(pathToFileURL(risky).href);
  });

  it("validate: invalid JSON is located where the reader stopped, a duplicate key at its second copy", () => {
    const notJson = write("not-json.json", '{\n  "Version": "2012-10-17",\n  "Statement": [ { "Effect": "Allow" "Action": "kms:*" } ]\n}');
    const twice = write("twice.json", '{\n  "Version": "2012-10-17",\n  "Statement": [],\n    "Version": "2012-10-17"\n}');
    const r = run(["validate", notJson, twice]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain(`${notJson}:3:38: error [invalid-json]`);
    expect(r.stdout).to.contain(`${twice}:4:5: error [duplicate-key] Version`);
  });

  it("validate: sarif names a file inside the working directory by its relative path", () => {
    {
      const log = JSON.parse(run(["validate", "risky.json", "--format", "sarif"], { cwd: dir }).stdout);
      const uris = log.runs[0].results.map(
        (x: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          x.locations[0].physicalLocation.artifactLocation.uri,
      );
      expect(uris.length).to.be.greaterThan(0);
      for (const uri of uris) expect(uri).to.equal("risky.json");
      fs.mkdirSync(path.join(dir, "key policies"), { recursive: true });
      fs.copyFileSync(risky, path.join(dir, "key policies", "risky.json"));
      const nested = JSON.parse(run(["validate", path.join(dir, "key policies", "risky.json"), "--format", "sarif"], { cwd: dir }).stdout);
      expect(nested.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).to.equal("key%20policies/risky.json");
    }
  });

  it("diff and normalize default to key-policy mode, as validate does; --generic reads identity policies", () => {
    // Key-policy mode: a statement without Principal is invalid, in all three commands alike.
    expect(run(["validate", identityA]).status).to.equal(1);
    const strict = run(["diff", identityA, identityB]);
    expect(strict.status).to.equal(2);
    expect(strict.stderr).to.contain(identityA);
    expect(run(["normalize", identityA]).status).to.equal(2);
    // Generic mode: all three accept them, and diff compares them.
    expect(run(["validate", identityA, "--generic"]).status).to.equal(0);
    const generic = run(["diff", identityA, identityB, "--generic"]);
    expect(generic.status).to.equal(1);
    expect(generic.stdout).to.contain("+ action s3:PutObject");
    expect(run(["normalize", identityA, "--generic"]).status).to.equal(0);
  });

  it("diff --tolerant reads policies as KMS returned them: compared, never refused", () => {
    // A key policy KMS accepted that this package would not write (no Principal is refused by the validator).
    const live = write("live.json", {
      Version: "2012-10-17",
      Statement: [{ Sid: "Use", Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }],
    });
    expect(run(["diff", a, live]).status).to.equal(2);
    const r = run(["diff", a, live, "--tolerant"]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain("statement Use");
    expect(run(["diff", live, live, "--tolerant"]).status).to.equal(0);
    expect(run(["normalize", live, "--tolerant"]).status).to.equal(0);
  });

  it("diff --tolerant and normalize --tolerant name the file that is not JSON", () => {
    const garbled = write("garbled.txt", "not json");
    const r = run(["diff", a, garbled, "--tolerant"]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain(`${garbled} is invalid`).and.contain("invalid-json");
    expect(r.stderr).to.not.contain(a + " ");
    const n = run(["normalize", garbled, "--tolerant"]);
    expect(n.status).to.equal(2);
    expect(n.stderr).to.contain(`${garbled} is invalid`);
  });

  it("a flag the command does not take exits 2, naming the flag and the commands that take it", () => {
    const cases: Array<[string[], string]> = [
      [["diff", a, reformatted, "--account", "111122223333"], "diff does not take --account: only validate does"],
      [["validate", a, "--tolerant"], "validate does not take --tolerant: only normalize and diff do"],
      [["normalize", a, "--format", "text"], "normalize does not take --format: only validate, diff, drift, check and access do"],
      [["drift", a, "--generic"], "drift does not take --generic: only validate, normalize and diff do"],
      [["diff", a, reformatted, "--ignore", "A:public-access"], "diff does not take --ignore: only validate does"],
      [["validate", a, "--concurrency", "2"], "validate does not take --concurrency: only drift does"],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect(r.status, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.contain(message);
    }
    // Near misses: each command's own flags are taken.
    expect(run(["diff", a, reformatted, "--tolerant", "--generic", "--format", "markdown"]).status).to.equal(0);
    expect(run(["validate", a, "--account", "111122223333", "--generic", "--fail-on", "warning"]).status).to.equal(0);
  });

  it("normalize: prints the same canonical text for equivalent policies", () => {
    const x = run(["normalize", a]);
    const y = run(["normalize", reformatted]);
    expect(x.status).to.equal(0);
    expect(x.stdout).to.equal(y.stdout);
    expect(JSON.parse(x.stdout).Statement.find((s: { Sid: string }) => s.Sid === "Use").Action).to.deep.equal(["kms:decrypt"]);
  });

  it("usage errors exit 2", () => {
    expect(run([]).status).to.equal(2);
    expect(run(["bogus", a]).status).to.equal(2);
    expect(run(["diff", a]).status).to.equal(2);
    expect(run(["validate"]).status).to.equal(2);
    expect(run(["diff", a, widened, "--format", "sarif"]).status).to.equal(2);
  });
});

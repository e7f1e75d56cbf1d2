import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lintPolicy, validatePolicy } from "../../../provider/policy";
import { sarifValidator } from "../../support/sarif";
import { REPO_ROOT } from "../../support/tools";
import { CLI, run } from "./run";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-policy-ci-"));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
};
const ACCOUNT = "111122223333";
const admin = { Sid: "Admin", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const use = { Sid: "Use", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: "kms:Decrypt", Resource: "*" };
const policy = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
const good = write("good.json", policy(admin, use));

/** The findings `validate --format json` reports for one file. */
function findings(file: string, ...flags: string[]) {
  const r = run(["validate", file, "--format", "json", ...flags]);
  const report = JSON.parse(r.stdout) as {
    files: Array<{
      findings: Array<{ rule: string; severity: string; path: string; message: string; hint: string; line: number; column: number }>;
    }>;
  };
  return { status: r.status, stderr: r.stderr, findings: report.files[0].findings };
}

describe("kms-policy as a CI tool (the built command, run as a child process)", function () {
  this.timeout(120_000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("safe defaults", () => {
    it("validate reports a lockout as an error (exit 1), as KeyPolicy's check does; --bypass-policy-lockout-safety-check leaves it out", () => {
      const nobody = write("lockout.json", policy(use));
      const r = run(["validate", nobody]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.contain("error [policy-lockout]").and.contain("--bypass-policy-lockout-safety-check");
      const takenBack = write(
        "taken-back.json",
        policy(admin, { Sid: "NoAdmin", Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Resource: "*" }),
      );
      expect(run(["validate", takenBack]).stdout).to.contain("[policy-lockout]");
      const bypassed = run(["validate", nobody, "--bypass-policy-lockout-safety-check"]);
      expect(bypassed.status).to.equal(0);
      expect(bypassed.stdout).to.contain("valid, no findings");
      // Near miss: an administrator left, and generic mode (no key policy) never checks it.
      expect(run(["validate", good]).status).to.equal(0);
      expect(run(["validate", nobody, "--generic"]).stdout).to.not.contain("policy-lockout");
    });

    it("normalize and diff refuse a lockout (exit 2, on stderr) as validate reports it; the bypass flag, --tolerant and --generic let it through", () => {
      const nobody = write("lockout-nd.json", policy(use));
      for (const args of [
        ["normalize", nobody],
        ["diff", good, nobody],
        ["diff", nobody, good],
      ]) {
        const r = run(args);
        expect(r.status, args.join(" ")).to.equal(2);
        expect(r.stderr).to.contain("policy-lockout").and.contain("--bypass-policy-lockout-safety-check").and.contain(nobody);
        expect(r.stdout).to.equal("");
        for (const flag of ["--bypass-policy-lockout-safety-check", "--tolerant", "--generic"])
          expect(run([...args, flag]).status, `${args.join(" ")} ${flag}`).to.not.equal(2);
      }
      // Near miss: a policy that keeps an administrator normalizes and diffs as before.
      expect(run(["normalize", good]).status).to.equal(0);
      expect(run(["diff", good, good]).status).to.equal(0);
    });

    it("Allow with NotPrincipal is a security finding, and the wildcard-principal rules apply to it", () => {
      const everyoneBut = write(
        "not-principal.json",
        policy(admin, {
          Sid: "AllButBob",
          Effect: "Allow",
          NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:user/bob` },
          Action: "kms:*",
          Resource: "*",
        }),
      );
      const r = findings(everyoneBut);
      expect(r.status).to.equal(1);
      const bySeverity = r.findings.map((f) => [f.rule, f.severity]);
      expect(bySeverity).to.deep.include.members([
        ["allow-not-principal", "security"],
        ["public-access", "security"],
        ["wildcard-principal-admin", "security"],
      ]);
      expect(r.findings.find((f) => f.rule === "public-access")?.path).to.equal("Statement[1].NotPrincipal");
      // Deny with NotPrincipal is the documented use: no finding.
      const deny = write(
        "deny-not-principal.json",
        policy(admin, {
          Sid: "OnlyAdmins",
          Effect: "Deny",
          NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: "kms:Decrypt",
          Resource: "*",
        }),
      );
      expect(findings(deny).findings.filter((f) => f.severity === "security")).to.deep.equal([]);
    });

    it("the default --fail-on is security: a public key fails the step, and github annotations come with exit 1", () => {
      const open = write("public.json", policy(admin, { ...use, Principal: "*" }));
      const text = run(["validate", open]);
      expect(text.status).to.equal(1);
      const github = run(["validate", open, "--format", "github"]);
      expect(github.status).to.equal(1);
      expect(github.stdout).to.match(/^::error file=.*public-access/m);
      expect(run(["validate", open, "--fail-on", "error"]).status).to.equal(0);
    });

    it("exit codes: 0 nothing at --fail-on, 1 findings (KMS refusals included), 2 could not check; diff 0/1/2", () => {
      const refused = write("refused.json", policy(admin, { ...use, Effect: "Permit" }));
      const warned = write("warned.json", policy(admin, { ...use, Action: "kms:Decryt" }));
      expect(run(["validate", good]).status).to.equal(0);
      expect(run(["validate", warned]).status).to.equal(0);
      expect(run(["validate", warned, "--fail-on", "warning"]).status).to.equal(1);
      expect(run(["validate", refused]).status).to.equal(1);
      expect(run(["validate", refused, "--fail-on", "suggestion"]).status).to.equal(1);
      expect(run(["validate", path.join(dir, "absent.json")]).status).to.equal(2);
      expect(run(["validate", good, refused, path.join(dir, "absent.json")]).status).to.equal(2);
      expect(run(["validate", good, "--fail-on", "bogus"]).status).to.equal(2);
      const wider = write("wider.json", policy(admin, { ...use, Action: ["kms:Decrypt", "kms:Encrypt"] }));
      expect(run(["diff", good, good]).status).to.equal(0);
      expect(run(["diff", good, wider]).status).to.equal(1);
      expect(run(["diff", good, refused]).status).to.equal(2);
      const missing = run(["diff", good, path.join(dir, "absent.json")]);
      expect(missing.status).to.equal(2);
      expect(missing.stderr).to.contain("absent.json: no such file");
      expect(run(["normalize", dir]).stderr).to.contain("it is a directory");
    });
  });

  describe("reading what users feed it", () => {
    it("diff, normalize and validate unwrap aws kms get-key-policy's output, with or without --query Policy", () => {
      const text = fs.readFileSync(good, "utf8");
      const wrapped = write("get-key-policy.json", JSON.stringify({ Policy: text, PolicyName: "default" }, null, 4));
      const queried = write("query-policy.json", JSON.stringify(text));
      for (const live of [wrapped, queried]) {
        const d = run(["diff", good, live, "--tolerant"]);
        expect(d.status, live).to.equal(0);
        expect(d.stdout).to.contain("equivalent");
        expect(run(["normalize", live]).stdout).to.equal(run(["normalize", good]).stdout);
        expect(run(["validate", live]).status).to.equal(0);
      }
      // A finding inside the wrapped policy is placed at the Policy string (its own lines are not the file's).
      const risky = write(
        "get-key-policy-public.json",
        JSON.stringify({ PolicyName: "default", Policy: JSON.stringify(policy(admin, { ...use, Principal: "*" })) }, null, 2),
      );
      const r = findings(risky);
      expect(r.findings.map((f) => [f.rule, f.line])).to.deep.include(["public-access", 3]);
      // Near miss: a document with a Policy that is not a string is read as a policy, and refused.
      const notWrapped = write("policy-object.json", { Policy: policy(admin) });
      expect(findings(notWrapped).findings.map((f) => f.rule)).to.include("unknown-key");
    });

    it("get-key-policy output saved with a byte-order mark is unwrapped: accepted with --tolerant, the BOM an error for a policy to write", () => {
      const text = fs.readFileSync(good, "utf8");
      const wrapped = write("bom-get-key-policy.json", "\uFEFF" + JSON.stringify({ Policy: text, PolicyName: "default" }, null, 4));
      const queried = write("bom-query-policy.json", "\uFEFF" + JSON.stringify(text));
      for (const live of [wrapped, queried]) {
        const d = run(["diff", good, live, "--tolerant"]);
        expect(d.status, live).to.equal(0);
        expect(d.stdout).to.contain("equivalent");
        expect(run(["normalize", live, "--tolerant"]).stdout).to.equal(run(["normalize", good]).stdout);
        const v = findings(live);
        expect(v.status, live).to.equal(1);
        expect(v.findings.map((f) => f.rule)).to.deep.equal(["byte-order-mark"]);
        const n = run(["normalize", live]);
        expect(n.status).to.equal(2);
        expect(n.stderr).to.contain("byte-order mark");
      }
      // Near miss: without the BOM the same file validates clean.
      expect(run(["validate", write("no-bom.json", JSON.stringify({ Policy: text, PolicyName: "default" }))]).status).to.equal(0);
    });

    it("a policy with its own statements and a string Policy member is read as itself, never as the benign policy it carries", () => {
      const benign = JSON.stringify(policy(admin));
      const smuggler = write("smuggler.json", { ...policy(admin, { ...use, Principal: "*" }), Policy: benign });
      const v = run(["validate", smuggler]);
      expect(v.status).to.equal(1);
      expect(v.stdout).to.contain("[public-access]").and.not.contain("valid, no findings");
      const d = run(["diff", write("benign.json", benign), smuggler, "--tolerant"]);
      expect(d.status).to.equal(1);
      expect(d.stdout).to.not.contain("equivalent");
      // Near miss: get-key-policy's own shape (Policy and PolicyName alone) is still unwrapped.
      const wrapped = write("wrapped-benign.json", { Policy: benign, PolicyName: "default" });
      expect(run(["diff", good, wrapped, "--tolerant"]).stdout).to.not.contain("equivalent");
      expect(run(["diff", write("benign2.json", benign), wrapped, "--tolerant"]).status).to.equal(0);
    });

    it("a file whose name holds a colon is reported with the reason once, in every format", () => {
      const odd = path.join(dir, "C:odd: name.json");
      const text = run(["validate", odd]);
      expect(text.status).to.equal(2);
      expect(text.stdout.trim()).to.equal(`${odd}: could not check: no such file`);
      const github = run(["validate", odd, "--format", "github"]).stdout.trim();
      expect(github)
        .to.match(/::no such file$/)
        .and.not.contain("cannot read");
      const json = JSON.parse(run(["validate", odd, "--format", "json"]).stdout) as { files: Array<{ error?: string }> };
      expect(json.files[0].error).to.equal("no such file");
      const check = run(["check", "no-new-access", good, odd]);
      expect(check.status).to.equal(2);
      expect(check.stdout).to.contain(`${odd}: could not check: no such file`).and.not.contain("cannot read");
      // Near miss: when the other file is missing, the report still names it.
      expect(run(["check", "no-new-access", odd, good]).stdout).to.contain(`cannot read ${odd}: no such file`);
    });

    it("-o - writes to standard output; a report that cannot be written names the file and the reason in words", () => {
      const work = fs.mkdtempSync(path.join(dir, "out-"));
      const r = run(["normalize", good, "-o", "-"], { cwd: work });
      expect(r.status).to.equal(0);
      expect(r.stdout)
        .to.equal(run(["normalize", good]).stdout)
        .and.contain('"Statement"');
      expect(fs.readdirSync(work)).to.deep.equal([]);
      const missingDir = path.join(work, "no-such-dir", "report.sarif");
      const w = run(["validate", good, "--format", "sarif", "-o", missingDir]);
      expect(w.status).to.equal(2);
      expect(w.stderr).to.contain(`cannot write ${missingDir}: its directory does not exist`).and.not.contain("ENOENT");
      const w2 = run(["normalize", good, "-o", work]);
      expect(w2.status).to.equal(2);
      expect(w2.stderr).to.contain(`cannot write ${work}: it is a directory, not a file`).and.not.contain("EISDIR");
      // Near miss: a file name is still a file.
      const file = path.join(work, "out.json");
      expect(run(["normalize", good, "-o", file]).status).to.equal(0);
      expect(fs.readFileSync(file, "utf8")).to.equal(r.stdout);
    });

    it("one bad input does not sink the run: each is reported, the others checked, every format well-formed", () => {
      const absent = path.join(dir, "nope.json");
      const broken = write("broken.json", "{ not json");
      const publicKey = write("public2.json", policy(admin, { ...use, Principal: "*" }));
      const files = [good, absent, dir, broken, publicKey];
      const text = run(["validate", ...files]);
      expect(text.status).to.equal(2);
      expect(text.stdout).to.contain(`${good}: valid, no findings`);
      expect(text.stdout).to.contain(`${absent}: could not check: no such file`);
      expect(text.stdout).to.contain(`${dir}: could not check: it is a directory`);
      expect(text.stdout).to.contain(`${broken}:1:3: error [invalid-json]`);
      expect(text.stdout).to.contain(`${publicKey}:`).and.contain("[public-access]");

      const out = path.join(dir, "report.sarif");
      const sarif = run(["validate", ...files, "--format", "sarif", "-o", out]);
      expect(sarif.status).to.equal(2);
      expect(sarif.stdout).to.equal("");
      const log = JSON.parse(fs.readFileSync(out, "utf8"));
      const validate = sarifValidator();
      expect(validate(log), JSON.stringify(validate.errors)).to.equal(true);
      const notes = log.runs[0].invocations[0].toolExecutionNotifications as Array<{ message: { text: string } }>;
      expect(log.runs[0].invocations[0].executionSuccessful).to.equal(false);
      expect(notes.map((n) => n.message.text)).to.have.length(2);
      expect(notes[0].message.text).to.contain("nope.json").and.contain("no such file");
      expect(log.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).to.include.members(["invalid-json", "public-access"]);

      const json = JSON.parse(run(["validate", ...files, "--format", "json"]).stdout) as { files: Array<{ file: string; error?: string }> };
      expect(json.files.map((f) => f.error !== undefined)).to.deep.equal([false, true, true, false, false]);
      const github = run(["validate", ...files, "--format", "github"])
        .stdout.trim()
        .split("\n");
      for (const line of github) expect(line).to.match(/^::(error|warning|notice) file=/);
      expect(github.some((l) => l.includes("could not check"))).to.equal(true);
    });

    it("no input overflows the stack: deeply nested values are a finding with a path, named by file", () => {
      for (const depth of [5_000, 200_000]) {
        const nested = "[".repeat(depth) + '"x"' + "]".repeat(depth);
        const text = JSON.stringify(policy(admin, { ...use, Condition: { StringEquals: { "kms:CallerAccount": "PLACEHOLDER" } } })).replace(
          '"PLACEHOLDER"',
          nested,
        );
        // The engine itself never throws on it.
        expect(validatePolicy(text).map((p) => p.rule)).to.deep.equal(["nesting-too-deep"]);
        expect(lintPolicy(text).map((p) => p.rule)).to.deep.equal(["nesting-too-deep"]);
        const file = write(`deep-${depth}.json`, text);
        const r = run(["validate", file]);
        expect(r.status).to.equal(1);
        expect(r.stdout)
          .to.contain(`${file}:`)
          .and.contain('[nesting-too-deep] Statement[1].Condition.StringEquals["kms:CallerAccount"][0]');
        expect(r.stdout + r.stderr).to.not.contain("call stack");
      }
      // Near miss: a policy as deep as any real one is read as usual.
      expect(run(["validate", good]).status).to.equal(0);
    });

    it("a character KMS refuses is named and placed at its line and column, CRLF lines too", () => {
      const pasted = JSON.stringify(policy(admin, { ...use, Sid: "Use\u2013App" }), null, 2).replace(/\n/g, "\r\n");
      const file = write("pasted.json", pasted);
      const lines = pasted.split("\r\n");
      const line = lines.findIndex((l) => l.includes("\u2013")) + 1;
      const column = lines[line - 1].indexOf("\u2013") + 1;
      const r = run(["validate", file]);
      expect(r.status).to.equal(1);
      expect(r.stdout).to.contain(`${file}:${line}:${column}: error [invalid-character]`).and.contain("en dash");
      expect(line).to.be.greaterThan(1);
    });
  });

  describe("findings a reviewer believes", () => {
    it("public-access names the condition that is present but does not limit the caller, and why", () => {
      const cases: Array<[object, string]> = [
        [{ StringLike: { "aws:PrincipalOrgID": "o-*" } }, 'StringLike on aws:PrincipalOrgID ("o-*" matches callers of any account'],
        [
          { StringEqualsIfExists: { "kms:CallerAccount": ACCOUNT } },
          "StringEqualsIfExists on kms:CallerAccount (StringEqualsIfExists also matches a request without the key)",
        ],
        [
          { StringNotEquals: { "kms:CallerAccount": "444455556666" } },
          "StringNotEquals on kms:CallerAccount (StringNotEquals admits every caller",
        ],
        [
          { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/app" } },
          'ArnLike on aws:PrincipalArn ("arn:aws:iam::*:role/app" matches callers of any account',
        ],
      ];
      for (const [condition, named] of cases) {
        const file = write("conditioned.json", policy(admin, { ...use, Principal: "*", Condition: condition }));
        const pub = findings(file).findings.find((f) => f.rule === "public-access");
        expect(pub?.message, JSON.stringify(condition)).to.contain(named);
      }
      // Near miss: a condition that limits the caller keeps the rule quiet.
      const limited = write(
        "limited.json",
        policy(admin, { ...use, Principal: "*", Condition: { StringEquals: { "kms:CallerAccount": ACCOUNT } } }),
      );
      expect(findings(limited).findings.map((f) => f.rule)).to.not.include("public-access");
    });

    it("fixes name the key's account (--account or inferred) or a visible placeholder; SARIF rule text names no library function", () => {
      const open = { ...use, Principal: "*" };
      const inferred = findings(write("inferred.json", policy(admin, open))).findings.find((f) => f.rule === "public-access");
      expect(inferred?.hint).to.contain(`"kms:CallerAccount": "${ACCOUNT}"`);
      const unknownOwner = write("no-owner.json", policy(open));
      const placeholder = findings(unknownOwner, "--bypass-policy-lockout-safety-check").findings.find((f) => f.rule === "public-access");
      expect(placeholder?.hint).to.contain('"kms:CallerAccount": "<ACCOUNT-ID>"').and.not.contain(ACCOUNT);
      const given = findings(unknownOwner, "--account", "444455556666", "--bypass-policy-lockout-safety-check").findings.find(
        (f) => f.rule === "public-access",
      );
      expect(given?.hint).to.contain('"444455556666"');
      // A grammar fix (no Principal) shows the placeholder too.
      const noPrincipal = findings(write("no-principal.json", policy(admin, { ...use, Principal: undefined })));
      const missing = noPrincipal.findings.find((f) => f.path === "Statement[1]" || f.path.startsWith("Statement[1].Principal"));
      expect(missing?.hint).to.contain("<ACCOUNT-ID>").and.not.contain(ACCOUNT);
      const log = JSON.parse(
        run(["validate", write("refused2.json", policy(admin, { ...use, Effect: "Permit" })), "--format", "sarif"]).stdout,
      );
      const texts = JSON.stringify(log.runs[0].tool.driver.rules);
      expect(texts).to.contain("invalid-effect");
      expect(texts).to.not.match(/validatePolicy|lintPolicy|parsePolicy/);
    });

    it("a set operator on a single-valued key is reported at that key, not at its operator block", () => {
      const file = write(
        "set-operator.json",
        policy(admin, {
          ...use,
          Condition: { "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["a"], "kms:CallerAccount": ACCOUNT } },
        }),
      );
      const set = findings(file, "--fail-on", "warning").findings.filter((f) => f.rule === "set-operator-single-valued");
      expect(set.map((f) => f.path)).to.deep.equal(['Statement[1].Condition["ForAllValues:StringEquals"]["kms:CallerAccount"]']);
      const text = fs.readFileSync(file, "utf8").split("\n");
      expect(text[set[0].line - 1]).to.contain('"kms:CallerAccount"');
    });

    it("findings come in file order; an --ignore that suppresses nothing is on stderr; valid says how many were suppressed", () => {
      const file = write(
        "ordered.json",
        policy({ ...use, Sid: undefined, Action: "kms:Decryt" }, admin, { ...use, Sid: "Open", Principal: "*" }),
      );
      const r = findings(file, "--fail-on", "suggestion");
      const lines = r.findings.map((f) => f.line);
      expect(lines).to.deep.equal([...lines].sort((x, y) => x - y));
      expect(r.findings[0].rule).to.not.equal("public-access"); // worst first would put it first
      const quiet = write("quiet.json", policy(admin, { ...use, Principal: "*", Sid: "Open" }));
      const ignored = run(["validate", quiet, good, "--ignore", "Open:public-access", "--ignore", "Nobody:missing-sid"]);
      expect(ignored.status).to.equal(0);
      expect(ignored.stdout).to.contain(`${quiet}: valid, no findings (1 suppressed by --ignore)`);
      expect(ignored.stderr).to.contain('--ignore "Nobody:missing-sid" suppressed nothing in any file');
      expect(ignored.stderr).to.not.contain("Open:public-access");
    });

    it("JSON errors name the likely cause: a trailing comma, a comment, an unterminated string", () => {
      const cases: Array<[string, string]> = [
        ['{\n  "Version": "2012-10-17",\n  "Statement": [],\n}', "trailing comma"],
        ['{\n  // the key policy\n  "Version": "2012-10-17"\n}', "comment"],
        ['{\n  "Version": "2012-10-17,\n  "Statement": []\n}', "closing quote missing"],
        ["{'Version': '2012-10-17'}", "single quotes"],
      ];
      for (const [text, cause] of cases) {
        const r = run(["validate", write("cause.json", text)]);
        expect(r.status, text).to.equal(1);
        expect(r.stdout, text).to.contain(cause);
      }
    });

    it("a condition key holding a backslash has one path spelling, placed on its own line", () => {
      const text = JSON.stringify(policy(admin, { ...use, Condition: { StringEquals: { "kms:Odd\\Key": { nested: true } } } }), null, 2);
      const file = write("backslash.json", text);
      const r = findings(file);
      const under = r.findings.filter((f) => f.path.startsWith("Statement[1].Condition.StringEquals["));
      expect(under.length).to.be.greaterThan(1);
      expect(new Set(under.map((f) => f.path))).to.deep.equal(new Set(['Statement[1].Condition.StringEquals["kms:Odd\\\\Key"]']));
      const keyLine = text.split("\n").findIndex((l) => l.includes("kms:Odd")) + 1;
      for (const f of under) expect(f.line, f.rule).to.equal(keyLine);
    });
  });

  describe("conventions", () => {
    it("--version prints the package's version; help COMMAND and COMMAND --help agree; lint is validate", () => {
      const version = run(["--version"]);
      expect(version.status).to.equal(0);
      expect(version.stdout.trim()).to.equal(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version);
      for (const command of ["validate", "normalize", "diff", "drift"]) {
        const help = run(["help", command]);
        expect(help.status).to.equal(0);
        expect(run([command, "--help"]).stdout).to.equal(help.stdout);
        expect(help.stdout).to.match(new RegExp(`^usage: kms-policy ${command} `));
      }
      expect(run(["help", "validate"]).stdout)
        .to.contain("--fail-on")
        .and.not.contain("--tolerant");
      expect(run(["help", "diff"]).stdout)
        .to.contain("--tolerant")
        .and.not.contain("--fail-on");
      const lint = run(["lint", good, "--format", "json"]);
      expect(lint.status).to.equal(0);
      expect(lint.stdout).to.equal(run(["validate", good, "--format", "json"]).stdout);
    });

    it("an unknown flag is answered in two lines with a did-you-mean; no command prints usage on stderr and exits 2", () => {
      const typo = run(["validate", good, "--fial-on", "warning"]);
      expect(typo.status).to.equal(2);
      expect(typo.stderr.trim().split("\n")).to.have.length.at.most(2);
      expect(typo.stderr).to.contain("did you mean --fail-on?");
      // A shortened value or a near rule id gets the one likely answer, not every choice.
      const short = run(["validate", good, "--fail-on=warn"]);
      expect(short.status).to.equal(2);
      expect(short.stderr).to.contain("did you mean warning?");
      const rule = run(["validate", good, "--ignore", "Public:public-acces"]);
      expect(rule.status).to.equal(2);
      expect(rule.stderr).to.contain("did you mean public-access?").and.not.contain("missing-sid");
      expect(run(["validate", good, "--ignore", "Public:zzz"]).stderr).to.contain("missing-sid");
      const command = run(["valdate", good]);
      expect(command.status).to.equal(2);
      expect(command.stderr).to.contain("did you mean validate?");
      const none = run([]);
      expect(none.status).to.equal(2);
      expect(none.stdout).to.equal("");
      expect(none.stderr).to.contain("usage: kms-policy COMMAND");
      const help = run(["--help"]);
      expect(help.status).to.equal(0);
      expect(help.stdout).to.contain("usage: kms-policy COMMAND");
    });

    it("-o/--output FILE writes the result to the file, for every format and command", () => {
      const out = path.join(dir, "out.txt");
      expect(run(["validate", good, "-o", out]).stdout).to.equal("");
      expect(fs.readFileSync(out, "utf8")).to.contain("valid, no findings");
      expect(run(["normalize", good, "--output", out]).status).to.equal(0);
      expect(JSON.parse(fs.readFileSync(out, "utf8")).Version).to.equal("2012-10-17");
      expect(run(["diff", good, good, `--output=${out}`]).status).to.equal(0);
      expect(fs.readFileSync(out, "utf8")).to.contain("equivalent");
      const unwritable = run(["validate", good, "-o", path.join(dir, "no", "such", "dir", "x")]);
      expect(unwritable.status).to.equal(2);
      expect(unwritable.stderr).to.contain("cannot write");
    });

    it("a report larger than a pipe holds reaches the reader whole, through a pipe as through a file", () => {
      // Standard output is written straight to its descriptor (io.ts writeStdout); this pipe blocks, so
      // the write waits for the reader (a non-blocking one is the next test's).
      const risky = write(
        "many-findings.json",
        policy(admin, ...Array.from({ length: 30 }, (_, i) => ({ ...use, Sid: `Public${i}`, Principal: "*" }))),
      );
      const files = Array.from({ length: 8 }, () => risky);
      const piped = run(["validate", ...files, "--format", "sarif"]);
      expect(piped.stdout.length).to.be.greaterThan(256 * 1024);
      const sarif = JSON.parse(piped.stdout) as { runs: Array<{ results: unknown[] }> };
      expect(sarif.runs[0].results.length).to.be.at.least(8 * 30);
      const out = path.join(dir, "many.sarif");
      expect(run(["validate", ...files, "--format", "sarif", "-o", out]).status).to.equal(piped.status);
      expect(fs.readFileSync(out, "utf8")).to.equal(piped.stdout);
    });

    it("a report that fills a non-blocking pipe its reader reads late reaches the reader whole: the rest goes through process.stdout", async () => {
      // A pipe is non-blocking when another holder of it made it so (a Node.js process that shares it
      // and opens process.stdout on it: libuv sets O_NONBLOCK). The direct write then fails with
      // EAGAIN once the pipe is full, and writeStdout (io.ts) hands the rest to process.stdout. The
      // preload stands in for that holder, and records how much process.stdout was given.
      const handed = path.join(dir, "handed-to-stdout.txt");
      const hook = write(
        "nonblocking-stdout.js",
        `const fs = require("fs");
const stdout = process.stdout;
const write = stdout.write;
let bytes = 0;
stdout.write = function (chunk, ...rest) {
  bytes += Buffer.byteLength(chunk);
  fs.writeFileSync(${JSON.stringify(handed)}, String(bytes));
  return write.call(this, chunk, ...rest);
};`,
      );
      const risky = write(
        "fills-pipe.json",
        policy(admin, ...Array.from({ length: 30 }, (_, i) => ({ ...use, Sid: `Public${i}`, Principal: "*" }))),
      );
      // About 1 MB of SARIF: more than the pipe's buffer and what the reader's stream takes before it stops reading.
      const args = ["validate", ...Array.from({ length: 16 }, () => risky), "--format", "sarif"];
      const child = spawn(process.execPath, [CLI, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, NODE_OPTIONS: `--require ${hook}` },
      });
      let ended = false;
      child.on("exit", () => (ended = true));
      const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
      // Read nothing until the command has handed output to process.stdout, or has ended without (then
      // the fallback is broken), or 20 s passed (then the direct write never failed: said below).
      for (let waited = 0; waited < 20_000 && !ended && !fs.existsSync(handed); waited += 50) await new Promise((r) => setTimeout(r, 50));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      const status = await closed;
      const blocking = run(args);
      expect(blocking.status).to.equal(1);
      expect(Buffer.concat(stderr).toString("utf8")).to.equal("");
      expect(status).to.equal(blocking.status);
      expect(Buffer.concat(stdout).toString("utf8") === blocking.stdout, "the report arrived whole").to.equal(true);
      expect(fs.existsSync(handed), "process.stdout was given nothing: the direct write never failed, so this tested no fallback").to.equal(
        true,
      );
      expect(Number(fs.readFileSync(handed, "utf8"))).to.be.greaterThan(0);
      const sarif = JSON.parse(blocking.stdout) as { runs: Array<{ results: unknown[] }> };
      expect(sarif.runs[0].results.length).to.be.at.least(16 * 30);
    });

    it("tsc's dist/cli/main.js, the executable before the bundle, still runs the command with node: a security finding fails the step", () => {
      // CI steps that call the file by path (node node_modules/pulumi-kms-policy/dist/cli/main.js validate ...).
      const main = path.join(path.dirname(CLI), "main.js");
      const exposed = write("exposed.json", policy(admin, { ...use, Sid: "Public", Principal: "*" }));
      const direct = run(["validate", exposed], { script: main });
      expect(direct.status).to.equal(1);
      expect(direct.stdout).to.contain("security [public-access]");
      // The same report as the bundled executable's, which requires the main module: once, not run twice.
      expect(direct.stdout).to.equal(run(["validate", exposed]).stdout);
      expect(run(["validate", good], { script: main }).status).to.equal(0);
      expect(run(["validate"], { script: main }).status).to.equal(2);
    });

    it("validate, normalize, diff and --help load neither the AWS SDK nor @pulumi/pulumi, and of this package's code only the bundles they run; drift loads the SDK", () => {
      // A preload that writes, at exit, whether the process loaded either package, and which of the command's own files.
      const report = path.join(dir, "loaded.txt");
      const cliDir = path.dirname(CLI);
      const hook = write(
        "hook.js",
        `const fs = require("fs");
const path = require("path");
process.on("exit", () => {
  const loaded = Object.keys(require.cache);
  fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({
    sdk: loaded.some((m) => m.includes("@aws-sdk")),
    pulumi: loaded.some((m) => m.includes("@pulumi/pulumi")),
    own: loaded.filter((m) => path.dirname(m).startsWith(${JSON.stringify(path.dirname(cliDir))})).map((m) => path.relative(${JSON.stringify(cliDir)}, m)),
  }));
});`,
      );
      const loaded = (args: string[]) => {
        run(args, { env: { ...process.env, NODE_OPTIONS: `--require ${hook}` } });
        return JSON.parse(fs.readFileSync(report, "utf8")) as { sdk: boolean; pulumi: boolean; own: string[] };
      };
      // Each run loads the executable, the main file, and its command's bundle (none for help).
      const cases: Array<[string[], string[]]> = [
        [["validate", good], ["kms-policy-validate.js"]],
        [["normalize", good], ["kms-policy-policy.js"]],
        [["diff", good, good], ["kms-policy-policy.js"]],
        [["--help"], []],
        [["--version"], []],
        [["help", "drift"], []],
      ];
      for (const [args, bundle] of cases)
        expect(loaded(args), args.join(" ")).to.deep.equal({
          sdk: false,
          pulumi: false,
          own: ["kms-policy.js", "kms-policy-main.js", ...bundle],
        });
      // The hook can see a load: drift needs the SDK, from its own file beside the bundle (the export is unreadable, so no call is made).
      const drift = loaded(["drift", path.join(dir, "absent-export.json")]);
      expect(drift.sdk).to.equal(true);
      expect(drift.own).to.include.members(["kms-policy-main.js", "driftCommand.js"]);
    });

    it("the GitHub Actions examples' commands run as written: new default --fail-on, SARIF kept, exit codes", () => {
      const examples = path.join(REPO_ROOT, "examples", "github-actions");
      const workflows = fs.readdirSync(examples).map((f) => fs.readFileSync(path.join(examples, f), "utf8"));
      const commands = workflows
        .flatMap((text) => text.split("\n"))
        .flatMap((line) => [...line.matchAll(/npm exec --no -- kms-policy ([^|>;&\n]+)/g)].map((m) => m[1].trim()));
      // A step that runs the command never runs after a failed install (if: always()), and runs it
      // with --no: a missing install is then an error, never a download of another package.
      for (const step of workflows.flatMap((text) => text.split(/\n(?= +- (?:name|uses|run):)/))) {
        if (!step.includes("kms-policy ")) continue;
        expect(step, step).to.not.match(/if: always\(\)/);
        for (const line of step.split("\n").filter((l) => /\bkms-policy (validate|drift|lint|diff|normalize|check|access)\b/.test(l)))
          expect(line, step).to.contain("npm exec --no -- kms-policy");
      }
      const validates = commands.filter((c) => c.startsWith("validate "));
      expect(validates.length).to.be.greaterThan(1);
      expect(commands.some((c) => c.includes("--fail-on error"))).to.equal(false);
      const work = fs.mkdtempSync(path.join(dir, "actions-"));
      fs.mkdirSync(path.join(work, "policies"));
      fs.copyFileSync(good, path.join(work, "policies", "ok.json"));
      fs.writeFileSync(path.join(work, "policies", "public.json"), JSON.stringify(policy(admin, { ...use, Principal: "*" })));
      for (const command of validates) {
        const args = command.split(/\s+/).flatMap((a) => (a === "$POLICIES" ? ["policies/ok.json", "policies/public.json"] : [a]));
        const r = run(args, { cwd: work });
        expect(r.status, command).to.equal(1);
        if (command.includes("sarif")) {
          const log = JSON.parse(fs.readFileSync(path.join(work, "kms-policy.sarif"), "utf8"));
          expect(log.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).to.include("public-access");
        }
        expect(
          run(
            args.map((a) => (a === "policies/public.json" ? "policies/ok.json" : a)),
            { cwd: work },
          ).status,
          command,
        ).to.equal(0);
      }
      expect(validates.some((c) => c.includes("sarif"))).to.equal(true);
      // The drift example's flags are ones drift takes (usage errors exit 2 before any AWS call).
      const drifts = commands.filter((c) => c.startsWith("drift "));
      expect(drifts.length).to.be.greaterThan(0);
      for (const command of drifts) {
        const r = run([...command.split(/\s+/).map((a) => (a === "state.json" ? path.join(work, "absent.json") : a))]);
        expect(r.stderr, command).to.not.contain("does not take").and.not.contain("unknown flag");
      }
    });

    it("no example or doc runs npx with the bare command name, which would fetch any registry package called kms-policy", () => {
      const texts = (dirName: string): Array<[string, string]> =>
        fs
          .readdirSync(path.join(REPO_ROOT, dirName), { recursive: true, encoding: "utf8" })
          .map((f) => path.join(REPO_ROOT, dirName, f))
          .filter((f) => fs.statSync(f).isFile() && !f.includes("node_modules"))
          .map((f) => [f, fs.readFileSync(f, "utf8")]);
      const files = [
        ...texts("examples"),
        ...texts("docs"),
        [path.join(REPO_ROOT, "README.md"), fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8")] as [string, string],
      ];
      const bare = files.filter(([, text]) => /\bnpx +(--yes +|-y +)?kms-policy\b/.test(text)).map(([f]) => f);
      expect(bare).to.deep.equal([]);
      // Near miss: the safe forms are shown.
      const cli = fs.readFileSync(path.join(REPO_ROOT, "docs", "cli.md"), "utf8");
      expect(cli).to.contain("npx -p pulumi-kms-policy kms-policy validate").and.contain("npm exec --no -- kms-policy validate");
    });

    it("@pulumi/pulumi is an optional peer dependency: lint-only users need not install it", () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
        peerDependencies: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      expect(pkg.peerDependencies["@pulumi/pulumi"]).to.be.a("string");
      expect(pkg.peerDependenciesMeta?.["@pulumi/pulumi"]?.optional).to.equal(true);
    });
  });
});

import { expect } from "chai";
import { moto } from "../support/hooks";
import { FaultProxy } from "../support/faultProxy";
import { Project, Workspace } from "../support/workspace";
import { GRANT_TYPE, KEY_POLICY_TYPE } from "../../provider/resourceTypes";

/**
 * At least 40 invalid inputs across KeyPolicy and Grant. Each must fail at `pulumi preview` with a
 * message naming the resource, the property and the fix, before any write reaches KMS.
 */
const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" };
const policyWith = (statement: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [root, statement] });
const use = { Sid: "Use", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/app" }, Action: "kms:Decrypt", Resource: "*" };
const without = (key: string) => Object.fromEntries(Object.entries(use).filter(([k]) => k !== key));
const grant = { keyId, granteePrincipal: "arn:aws:iam::123456789012:role/app", operations: ["Decrypt"] };
// A grant to an AWS service: CreateGrant needs its SourceArn constraint and a retiring principal (CreateGrant API reference).
const serviceGrant = {
  keyId,
  granteeServicePrincipal: "logs.us-east-1.amazonaws.com",
  retiringPrincipal: "arn:aws:iam::123456789012:role/ops",
  operations: ["Decrypt"],
  constraints: { sourceArn: "arn:aws:logs:us-east-1:123456789012:log-group:app" },
};
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));

type Case = [name: string, kind: "KeyPolicy" | "Grant", args: Record<string, unknown>, property: string, reason: RegExp];

const cases: Case[] = [
  ["malformed JSON", "KeyPolicy", { keyId, policy: '{"Statement": [' }, "policy", /not valid JSON.*Fix:/],
  [
    "policy over 32 KB",
    "KeyPolicy",
    { keyId, policy: { Version: "2012-10-17", Statement: [root, ...Array.from({ length: 300 }, (_, i) => ({ ...use, Sid: `S${i}` }))] } },
    "policy",
    /bytes; KMS accepts at most 32768/,
  ],
  [
    "Effect lower case",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Effect: "allow" }) },
    "policy",
    /Statement\[1\]\.Effect.*write "Allow"/,
  ],
  ["Effect unknown", "KeyPolicy", { keyId, policy: policyWith({ ...use, Effect: "Permit" }) }, "policy", /neither "Allow" nor "Deny"/],
  [
    "statement key typo",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Condtion: {} }) },
    "policy",
    /Statement\[1\]\.Condtion.*did you mean "Condition"/,
  ],
  [
    "document key typo",
    "KeyPolicy",
    { keyId, policy: { Version: "2012-10-17", Statment: [root] } },
    "policy",
    /"Statment".*did you mean "Statement"/,
  ],
  [
    "Action with NotAction",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, NotAction: "kms:Encrypt" }) },
    "policy",
    /both Action and NotAction/,
  ],
  [
    "Principal with NotPrincipal",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, NotPrincipal: { AWS: "123456789012" } }) },
    "policy",
    /both Principal and NotPrincipal/,
  ],
  [
    "Resource with NotResource",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, NotResource: "*" }) },
    "policy",
    /both Resource and NotResource/,
  ],
  ["no Principal", "KeyPolicy", { keyId, policy: policyWith(without("Principal")) }, "policy", /neither Principal nor NotPrincipal/],
  [
    "Condition given twice",
    "KeyPolicy",
    {
      keyId,
      policy: JSON.stringify(policyWith(use)).replace(
        '"Sid":"Use",',
        '"Sid":"Use","Condition":{"Bool":{"aws:SecureTransport":"true"}},"Condition":{},',
      ),
    },
    "policy",
    /Statement\[1\]\.Condition: "Condition" appears twice.*Fix: merge/,
  ],
  [
    "wildcard inside a principal ARN",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: { AWS: "arn:aws:iam::123456789012:role/*" } }) },
    "policy",
    /Statement\[1\]\.Principal\.AWS.*has a wildcard/,
  ],
  ["empty Statement list", "KeyPolicy", { keyId, policy: { Version: "2012-10-17", Statement: [] } }, "policy", /Statement list is empty/],
  [
    "11-digit account",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: { AWS: "12345678901" } }) },
    "policy",
    /exactly 12 digits/,
  ],
  [
    "principal ARN of S3",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: { AWS: "arn:aws:s3:::bucket" } }) },
    "policy",
    /not an AWS principal/,
  ],
  [
    "principal type typo",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: { Aws: "123456789012" } }) },
    "policy",
    /did you mean "AWS"/,
  ],
  ["empty principal", "KeyPolicy", { keyId, policy: policyWith({ ...use, Principal: {} }) }, "policy", /names nobody/],
  [
    "principal as a bare ARN",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: "arn:aws:iam::123456789012:root" }) },
    "policy",
    /must be "\*" or an object/,
  ],
  [
    "service principal not a domain",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Principal: { Service: "logs" } }) },
    "policy",
    /not a service principal/,
  ],
  ["action without service", "KeyPolicy", { keyId, policy: policyWith({ ...use, Action: "Decrypt" }) }, "policy", /not an action name/],
  [
    "unknown condition operator",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Condition: { StringEqual: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } }) },
    "policy",
    /did you mean "StringEquals"/,
  ],
  [
    "condition operator case",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Condition: { bool: { "aws:SecureTransport": "true" } } }) },
    "policy",
    /"bool" is not a condition operator/,
  ],
  [
    "empty condition values",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Condition: { StringEquals: { "kms:ViaService": [] } } }) },
    "policy",
    /never matches/,
  ],
  ["bad Version", "KeyPolicy", { keyId, policy: { Version: "2012-06-17", Statement: [root] } }, "policy", /not a policy language version/],
  [
    "Statement a number",
    "KeyPolicy",
    { keyId, policy: { Version: "2012-10-17", Statement: 42 } },
    "policy",
    /Statement must be an object or a list/,
  ],
  ["no Statement", "KeyPolicy", { keyId, policy: { Version: "2012-10-17" } }, "policy", /has no Statement/],
  [
    "character KMS refuses",
    "KeyPolicy",
    { keyId, policy: policyWith({ ...use, Sid: "Use\u2603" }) },
    "policy",
    /U\+2603, which KMS refuses/,
  ],
  [
    "lockout",
    "KeyPolicy",
    { keyId, policy: { Version: "2012-10-17", Statement: [use] } },
    "policy",
    /nobody could change the policy again.*bypassPolicyLockoutSafetyCheck/,
  ],
  [
    "lockout by a Deny to everyone",
    "KeyPolicy",
    { keyId, policy: policyWith({ Sid: "NoPolicyChanges", Effect: "Deny", Principal: "*", Action: "kms:PutKeyPolicy", Resource: "*" }) },
    "policy",
    /an unconditional Deny takes it back.*bypassPolicyLockoutSafetyCheck/,
  ],
  ["policy a number", "KeyPolicy", { keyId, policy: 42 }, "policy", /JSON string or a PolicyDocument/],
  ["policy name", "KeyPolicy", { keyId, policy: policyWith(use), policyName: "custom" }, "policyName", /only key policy name is "default"/],
  ["onDelete", "KeyPolicy", { keyId, policy: policyWith(use), onDelete: "keep" }, "onDelete", /"restore", "default", "retain"/],
  ["empty key id", "KeyPolicy", { keyId: "", policy: policyWith(use) }, "keyId", /keyId is required/],
  ["alias as key", "KeyPolicy", { keyId: "alias/app", policy: policyWith(use) }, "keyId", /refuse aliases/],
  ["not a key reference", "KeyPolicy", { keyId: "my-key", policy: policyWith(use) }, "keyId", /neither a key id/],
  ["key ARN of another service", "KeyPolicy", { keyId: "arn:aws:s3:::bucket", policy: policyWith(use) }, "keyId", /neither a key id/],
  ["region not a region", "KeyPolicy", { keyId, policy: policyWith(use), region: "US East" }, "region", /not an AWS region name/],
  [
    "region against the ARN",
    "KeyPolicy",
    { keyId: `arn:aws:kms:eu-west-1:123456789012:key/${keyId}`, policy: policyWith(use), region: "us-east-1" },
    "region",
    /contradicts the key ARN's region/,
  ],
  ["read-back timeout", "KeyPolicy", { keyId, policy: policyWith(use), readBackTimeoutSeconds: -5 }, "readBackTimeoutSeconds", /0 to 3600/],
  ["no operations", "Grant", { ...grant, operations: [] }, "operations", /at least one of/],
  ["unknown operation", "Grant", { ...grant, operations: ["Decrypt", "Dance"] }, "operations", /"Dance" is not a grant operation/],
  ["operation case", "Grant", { ...grant, operations: ["decrypt"] }, "operations", /did you mean "Decrypt"/],
  [
    "both constraints",
    "Grant",
    { ...grant, constraints: { encryptionContextEquals: { a: "b" }, encryptionContextSubset: { a: "b" } } },
    "constraints",
    /not both/,
  ],
  ["unknown constraint", "Grant", { ...grant, constraints: { encryptionContext: { a: "b" } } }, "constraints", /not a grant constraint/],
  [
    "nine context pairs",
    "Grant",
    { ...grant, constraints: { encryptionContextSubset: pairs(9) } },
    "constraints.encryptionContextSubset",
    /at most 8/,
  ],
  [
    "context value too long",
    "Grant",
    { ...grant, constraints: { encryptionContextEquals: { a: "x".repeat(385) } } },
    "constraints.encryptionContextEquals.a",
    /1 to 384 characters/,
  ],
  [
    "context keys equal but for case",
    "Grant",
    { ...grant, constraints: { encryptionContextEquals: { App: "a", app: "b" } } },
    "constraints.encryptionContextEquals",
    /case-insensitive/,
  ],
  ["grantee not a principal", "Grant", { ...grant, granteePrincipal: "app-role" }, "granteePrincipal", /not a principal KMS accepts/],
  ["no grantee", "Grant", { keyId, operations: ["Decrypt"] }, "granteePrincipal", /granteePrincipal is required/],
  [
    "retiring principal not a principal",
    "Grant",
    { ...grant, retiringPrincipal: "arn:aws:s3:::bucket" },
    "retiringPrincipal",
    /not a principal KMS accepts/,
  ],
  ["grant name with spaces", "Grant", { ...grant, name: "my grant" }, "name", /letters, digits/],
  ["grant on an alias", "Grant", { ...grant, keyId: "alias/app" }, "keyId", /refuse aliases/],
  [
    "both grantee forms",
    "Grant",
    { ...serviceGrant, granteePrincipal: "arn:aws:iam::123456789012:role/app" },
    "granteeServicePrincipal",
    /not both/,
  ],
  [
    "service principal as granteePrincipal",
    "Grant",
    { ...grant, granteePrincipal: "logs.us-east-1.amazonaws.com" },
    "granteePrincipal",
    /set it as granteeServicePrincipal/,
  ],
  [
    "IAM ARN as granteeServicePrincipal",
    "Grant",
    { ...serviceGrant, granteeServicePrincipal: "arn:aws:iam::123456789012:role/app" },
    "granteeServicePrincipal",
    /set it as granteePrincipal/,
  ],
  [
    "service principal not a domain",
    "Grant",
    { ...serviceGrant, granteeServicePrincipal: "logs" },
    "granteeServicePrincipal",
    /not a service principal/,
  ],
  [
    "service grantee without sourceArn",
    "Grant",
    { ...serviceGrant, constraints: undefined },
    "constraints.sourceArn",
    /needs a SourceArn constraint/,
  ],
  [
    "service grantee without retiring principal",
    "Grant",
    { ...serviceGrant, retiringPrincipal: undefined },
    "retiringPrincipal",
    /needs a retiring principal/,
  ],
  [
    "both retiring forms",
    "Grant",
    { ...serviceGrant, retiringServicePrincipal: "logs.us-east-1.amazonaws.com" },
    "retiringServicePrincipal",
    /not both/,
  ],
  [
    "sourceArn not an ARN",
    "Grant",
    { ...serviceGrant, constraints: { sourceArn: "app-log-group" } },
    "constraints.sourceArn",
    /not an ARN a SourceArn constraint takes/,
  ],
  [
    "two constraints in the list form",
    "Grant",
    { ...grant, constraints: [{ encryptionContextEquals: { a: "b" } }, { encryptionContextSubset: { c: "d" } }] },
    "constraints",
    /takes one element, not 2/,
  ],
  [
    "grantCreationTokens unlike grantTokens",
    "Grant",
    { ...grant, grantTokens: ["token-a"], grantCreationTokens: ["token-b"] },
    "grantCreationTokens",
    /another name for grantTokens/,
  ],
  ["eleven grant tokens", "Grant", { ...grant, grantTokens: Array.from({ length: 11 }, () => "token") }, "grantTokens", /at most 10/],
];

const PROGRAM = `
const { KeyPolicy, Grant } = require("pulumi-kms-policy");
const c = JSON.parse(require("fs").readFileSync(require("path").join(__dirname, "cases.json"), "utf8"))[Number(process.env.BAD_INPUT_CASE)];
new (c.kind === "KeyPolicy" ? KeyPolicy : Grant)(c.name, c.args);
`;

describe("e2e: bad input fails at preview, naming resource, property and fix, with no write to KMS", function () {
  this.timeout(600_000);
  let workspace: Workspace;
  let proxy: FaultProxy;
  let project: Project;
  const STACKS = 3;

  before(async () => {
    const server = await moto();
    workspace = await Workspace.create(server);
    proxy = await new FaultProxy(server.endpoint).start();
    project = workspace.project("badinput", PROGRAM);
    project.writeFile("cases.json", JSON.stringify(cases.map(([name, kind, args]) => ({ name: resourceName(name), kind, args }))));
    for (let s = 0; s < STACKS; s++) {
      await project.initStack(`bad-${s}`);
      // The opt-in dry run would call CreateGrant at preview for a Grant whose check passed: with it
      // on, zero KMS calls also proves that a check that fails never goes on to ask KMS.
      await project.ok(["config", "set", "kms-policy:dryRun", "true"]);
    }
  });

  after(async () => {
    await proxy?.stop();
    workspace?.remove();
  });

  const resourceName = (caseName: string) => caseName.replace(/[^a-z0-9]+/gi, "-").toLowerCase();

  it(`has at least 40 cases (${cases.length})`, () => expect(cases.length).to.be.at.least(40));

  it("every case fails at preview with the resource, the property and the reason", async () => {
    const failures: string[] = [];
    let next = 0;
    const worker = async (stack: number) => {
      while (next < cases.length) {
        const index = next++;
        const [name, kind, , property, reason] = cases[index];
        const r = await project.pulumi(["preview", "--stack", `bad-${stack}`], {
          BAD_INPUT_CASE: String(index),
          AWS_ENDPOINT_URL_KMS: proxy.endpoint,
        });
        const expected = `${kind === "KeyPolicy" ? KEY_POLICY_TYPE : GRANT_TYPE} resource '${resourceName(name)}': property ${property} value`;
        const line = r.output.split("\n").find((l) => l.includes(expected) && reason.test(l));
        if (r.code === 0 || !line) failures.push(`${name}: exit ${r.code}; expected "${expected}" and ${reason}\n${r.output.slice(-1500)}`);
      }
    };
    await Promise.all(Array.from({ length: STACKS }, (_, s) => worker(s)));
    expect(failures, failures.join("\n\n")).to.deep.equal([]);
    expect(proxy.writeCalls(), JSON.stringify(Object.fromEntries(proxy.calls))).to.equal(0);
    // check needs no AWS call at all: no KMS call reached the proxy, read-only ones included.
    expect(Object.fromEntries(proxy.calls)).to.deep.equal({});
  });
});

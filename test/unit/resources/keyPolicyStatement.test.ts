import { expect } from "chai";
import { KeyPolicy } from "../../../provider/resources/keyPolicy";
import { KeyPolicyStatement } from "../../../provider/resources/keyPolicyStatement";
import { KEY_POLICY_STATEMENT_TYPE } from "../../../provider/resourceTypes";
import keyPolicyStatementProvider = require("../../../provider/runtime/keyPolicyStatement");
import { PolicyStatement } from "../../../provider/policy/types";
import { runProgram } from "../../support/pulumiMocks";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const APP = "arn:aws:iam::111122223333:role/app";
const decrypts = (sid: string): PolicyStatement => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { AWS: APP },
  Action: "kms:Decrypt",
  Resource: "*",
});

describe("the KeyPolicyStatement class in a program (Pulumi's runtime mocks)", () => {
  it("registers with the KeyPolicyStatement provider under its type token; keyArn, sid, region and access are outputs to come", async () => {
    const run = await runProgram(() => void new KeyPolicyStatement("app", { keyId: KEY, statement: decrypts("AppDecrypts") }));
    const sent = run.registration("app");
    expect(sent.type).to.equal(KEY_POLICY_STATEMENT_TYPE);
    expect(sent.provider).to.equal(keyPolicyStatementProvider);
    expect(sent.inputs).to.deep.include({ keyId: KEY, statement: decrypts("AppDecrypts") });
    for (const output of ["keyArn", "sid", "region", "access"]) expect(sent.inputs).to.not.have.property(output);
    expect(run.errors).to.deep.equal([]);
    expect(run.warnings).to.deep.equal([]);
  });

  it("refuses one Sid of one key in two resources, and a statement of a key a KeyPolicy manages; other Sids stand together", async () => {
    const run = await runProgram(() => {
      new KeyPolicyStatement("first", { keyId: KEY, statement: decrypts("AppDecrypts") });
      new KeyPolicyStatement("billing", { keyId: KEY, statement: JSON.stringify(decrypts("Billing")) });
      new KeyPolicyStatement("second", { keyId: KEY, statement: decrypts("AppDecrypts") });
    });
    expect(run.errors.map((e) => e.message)).to.deep.equal([
      `KeyPolicyStatement "second" and KeyPolicyStatement "first" both manage the statement with Sid "AppDecrypts" of key ${KEY}; a Sid names one statement. Give one of them another Sid.`,
    ]);
    const withPolicy = await runProgram(() => {
      new KeyPolicy("whole", { keyId: KEY, policy: { Version: "2012-10-17", Statement: [decrypts("Root")] } });
      new KeyPolicyStatement("part", { keyId: KEY, statement: decrypts("AppDecrypts") });
    });
    expect(withPolicy.errors).to.have.length(1);
    expect(withPolicy.errors[0].message).to.contain(
      `KeyPolicy "whole" manages the whole policy of key ${KEY}, and KeyPolicyStatement "part"`,
    );
  });

  it("warns of its lint findings at the statement's own paths; a statement without a Sid is left to the provider's check", async () => {
    const everyone: PolicyStatement = { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Resource: "*" };
    const run = await runProgram(() => {
      new KeyPolicyStatement("open", { keyId: KEY, statement: everyone });
      new KeyPolicyStatement("no-sid", { keyId: KEY, statement: { ...everyone, Sid: undefined } });
      new KeyPolicyStatement("no-sid-either", { keyId: KEY, statement: { ...everyone, Sid: undefined } });
    });
    expect(run.errors).to.deep.equal([]);
    expect(run.warnings).to.have.length(1);
    expect(run.warnings[0]).to.match(/^KeyPolicyStatement "open": statement\.Principal: .*\[public-access, security\]\. Fix: /);
  });
});

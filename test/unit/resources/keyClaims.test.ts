import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { keyIdentity } from "../../../provider/aws/keyRef";
import { claimKey } from "../../../provider/resources/keyClaims";

const id = "5f7c1a2b-1111-4aaa-8bbb-1234567890ab";
const arn = `arn:aws:kms:us-east-1:111122223333:key/${id}`;
const onKey = (keyId: string) => ({ keyId, identity: keyIdentity(keyId, { region: "us-east-1", account: "111122223333" }) });
const claim =
  (kind: "KeyPolicy" | "KeyPolicyStatement", name: string, keyId: string, sid?: string, parent = "") =>
  () =>
    claimKey(
      { kind, name, urn: `urn:pulumi:dev::app::${parent}pulumi-kms-policy:kms:${kind}::${name}`, ...onKey(keyId), ...(sid ? { sid } : {}) },
      undefined as unknown as pulumi.Resource,
    );

// The registry is the program's: each test uses keys of its own.
describe("the program's key claims", () => {
  it("two KeyPolicyStatements with one key (by id and by ARN) and one Sid are refused, naming both; other Sids are not", () => {
    claim("KeyPolicyStatement", "first", id, "AppDecrypts")();
    expect(claim("KeyPolicyStatement", "other-sid", arn, "Billing")).not.to.throw();
    expect(claim("KeyPolicyStatement", "second", arn, "AppDecrypts")).to.throw(
      /KeyPolicyStatement "second" and KeyPolicyStatement "first" both manage the statement with Sid "AppDecrypts" of key .* \(also given as 5f7c1a2b/,
    );
  });

  it("a KeyPolicy and a KeyPolicyStatement on one key are refused in either order, naming both", () => {
    const key = "arn:aws:kms:us-east-1:111122223333:key/5f7c1a2b-2222-4aaa-8bbb-1234567890ab";
    const other = "arn:aws:kms:us-east-1:111122223333:key/5f7c1a2b-3333-4aaa-8bbb-1234567890ab";
    claim("KeyPolicy", "whole", key)();
    expect(claim("KeyPolicyStatement", "part", key, "App")).to.throw(
      /KeyPolicy "whole" manages the whole policy of key .*KeyPolicyStatement "part"/,
    );
    claim("KeyPolicyStatement", "early", other, "App")();
    expect(claim("KeyPolicy", "late", other)).to.throw(/KeyPolicy "late" manages the whole policy of key .*KeyPolicyStatement "early"/);
  });

  it("two KeyPolicies on one key keep their message", () => {
    const key = "arn:aws:kms:us-east-1:111122223333:key/5f7c1a2b-4444-4aaa-8bbb-1234567890ab";
    claim("KeyPolicy", "a", key)();
    expect(claim("KeyPolicy", "b", key)).to.throw('KeyPolicy "b" and KeyPolicy "a" both manage key');
  });

  it("two KeyPolicies of one name under different parents on one key are two resources, and refused", () => {
    const key = "arn:aws:kms:us-east-1:111122223333:key/5f7c1a2b-5555-4aaa-8bbb-1234567890ab";
    claim("KeyPolicy", "policy", key, undefined, "team:Component$")();
    expect(claim("KeyPolicy", "policy", key, undefined, "other:Component$")).to.throw(
      'KeyPolicy "policy" and KeyPolicy "policy" both manage key',
    );
  });
});

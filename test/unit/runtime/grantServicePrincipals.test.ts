import { CreateGrantCommand, DryRunOperationException, KMSClient, KMSServiceException } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { GrantApi } from "../../../provider/aws/grants";
import { changedParameters, fromListing } from "../../../provider/aws/grantFacts";
import { KeyApi } from "../../../provider/aws/keys";
import { UNKNOWN } from "../../../provider/runtime/check";
import { checkGrant, GrantInputs } from "../../../provider/runtime/grantCheck";
import { GrantLifecycle, GrantOutputs } from "../../../provider/runtime/grantLifecycle";
import { ProviderContext } from "../../../provider/runtime/context";

/**
 * Service-principal grants' inputs at check time: the rules CreateGrant states for service principals and the
 * SourceArn constraint (KMS API Reference, CreateGrant and GrantConstraints; patterns from the API
 * model's ServicePrincipalType and GrantConstraintSourceArnType shapes), and @pulumi/aws's shapes.
 */
const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
const role = "arn:aws:iam::111122223333:role/app";
// A CloudWatch Logs log group as the resource a service acts for: the shape of the SourceArn examples
// in the KMS Developer Guide ("Using grant constraints") and the IAM aws:SourceArn documentation.
const logGroup = "arn:aws:logs:us-east-1:111122223333:log-group:app";
const service = {
  keyId,
  name: "g",
  operations: ["Decrypt"],
  granteeServicePrincipal: "logs.us-east-1.amazonaws.com",
  retiringPrincipal: role,
  constraints: { sourceArn: logGroup },
};
const failuresOf = (news: Record<string, unknown>) => checkGrant(news).failures;
const failsOn = (news: Record<string, unknown>, property: string, reason: RegExp) => {
  const failures = failuresOf(news);
  expect(
    failures.some((f) => f.property === property && reason.test(f.reason)),
    JSON.stringify(failures),
  ).to.equal(true);
};

describe("Grant check: service principals and sourceArn", () => {
  it("a service grantee with a sourceArn and a retiring principal passes, in the API's fields", () => {
    const { inputs, failures } = checkGrant(service);
    expect(failures).to.deep.equal([]);
    expect(inputs).to.include({ granteeServicePrincipal: "logs.us-east-1.amazonaws.com", retiringPrincipal: role });
    expect(inputs).to.not.have.property("granteePrincipal");
    expect(inputs.constraints).to.deep.equal({ sourceArn: logGroup });
  });

  it("a retiring service principal is the other form of the retiring principal", () => {
    const { inputs, failures } = checkGrant({
      ...service,
      retiringPrincipal: undefined,
      retiringServicePrincipal: "logs.us-east-1.amazonaws.com",
    });
    expect(failures).to.deep.equal([]);
    expect(inputs.retiringServicePrincipal).to.equal("logs.us-east-1.amazonaws.com");
  });

  it("a sourceArn is allowed on an IAM grantee too (GrantConstraints: supported on every grant), beside a context constraint", () => {
    expect(
      failuresOf({
        keyId,
        name: "g",
        operations: ["Decrypt"],
        granteePrincipal: role,
        constraints: { sourceArn: logGroup, encryptionContextSubset: { a: "b" } },
      }),
    ).to.deep.equal([]);
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ["both grantee forms", { ...service, granteePrincipal: role }, "granteeServicePrincipal", /not both/],
    [
      "no grantee at all",
      { ...service, granteeServicePrincipal: undefined },
      "granteePrincipal",
      /granteePrincipal is required.*granteeServicePrincipal/,
    ],
    [
      "a service principal as granteePrincipal",
      { keyId, name: "g", operations: ["Decrypt"], granteePrincipal: "logs.us-east-1.amazonaws.com" },
      "granteePrincipal",
      /service principal.*set it as granteeServicePrincipal/,
    ],
    [
      "an IAM ARN as granteeServicePrincipal",
      { ...service, granteeServicePrincipal: role },
      "granteeServicePrincipal",
      /IAM principal.*set it as granteePrincipal/,
    ],
    [
      "a service principal that is no domain",
      { ...service, granteeServicePrincipal: "logs" },
      "granteeServicePrincipal",
      /not a service principal/,
    ],
    [
      "a service principal over 128 characters",
      { ...service, granteeServicePrincipal: `${"a".repeat(120)}.amazonaws.com` },
      "granteeServicePrincipal",
      /at most 128/,
    ],
    [
      "a service grantee without sourceArn",
      { ...service, constraints: undefined },
      "constraints.sourceArn",
      /needs a SourceArn constraint/,
    ],
    [
      "a service grantee with only a context constraint",
      { ...service, constraints: { encryptionContextSubset: { a: "b" } } },
      "constraints.sourceArn",
      /needs a SourceArn/,
    ],
    [
      "a service grantee without a retiring principal",
      { ...service, retiringPrincipal: undefined },
      "retiringPrincipal",
      /needs a retiring principal/,
    ],
    [
      "both retiring forms",
      { ...service, retiringServicePrincipal: "logs.us-east-1.amazonaws.com" },
      "retiringServicePrincipal",
      /not both/,
    ],
    [
      "a service principal as retiringPrincipal",
      { ...service, retiringPrincipal: "logs.us-east-1.amazonaws.com" },
      "retiringPrincipal",
      /set it as retiringServicePrincipal/,
    ],
    [
      "a sourceArn that is not an ARN",
      { ...service, constraints: { sourceArn: "my-log-group" } },
      "constraints.sourceArn",
      /not an ARN a SourceArn constraint takes/,
    ],
    [
      "a sourceArn without an account (an S3 bucket ARN)",
      { ...service, constraints: { sourceArn: "arn:aws:s3:::my-bucket-name" } },
      "constraints.sourceArn",
      /with its account/,
    ],
    [
      "a sourceArn over 512 characters",
      { ...service, constraints: { sourceArn: `${logGroup}${"x".repeat(500)}` } },
      "constraints.sourceArn",
      /20 to 512/,
    ],
    [
      "a list of two constraints",
      { ...service, constraints: [{ sourceArn: logGroup }, { encryptionContextSubset: { a: "b" } }] },
      "constraints",
      /takes one element, not 2/,
    ],
    [
      "grantCreationTokens that differ from grantTokens",
      { ...service, grantTokens: ["a"], grantCreationTokens: ["b"] },
      "grantCreationTokens",
      /another name for grantTokens/,
    ],
    [
      "too many grantCreationTokens",
      { ...service, grantCreationTokens: Array.from({ length: 11 }, () => "t") },
      "grantCreationTokens",
      /at most 10/,
    ],
  ];
  for (const [name, news, property, reason] of bad) {
    it(`fails on ${name}, naming ${property}`, () => failsOn(news, property, reason));
  }

  it("values known only at apply are not judged: no failure for an unknown grantee, sourceArn or retiring principal", () => {
    expect(failuresOf({ ...service, granteeServicePrincipal: UNKNOWN })).to.deep.equal([]);
    expect(failuresOf({ ...service, constraints: { sourceArn: UNKNOWN } })).to.deep.equal([]);
    expect(failuresOf({ ...service, retiringPrincipal: UNKNOWN })).to.deep.equal([]);
    expect(
      failuresOf({ keyId, name: "g", operations: ["Decrypt"], granteePrincipal: UNKNOWN, granteeServicePrincipal: undefined }),
    ).to.deep.equal([]);
  });
});

describe("Grant check: @pulumi/aws's shapes make the same inputs, so no diff", () => {
  const iam = { keyId, name: "g", operations: ["Decrypt"], granteePrincipal: role };
  const olds = (inputs: GrantInputs): GrantOutputs => ({
    ...inputs,
    grantId: "g1",
    grantToken: "t",
    keyArn: `arn:aws:kms:us-east-1:111122223333:key/${keyId}`,
    createdAt: "",
  });
  const lifecycle = new GrantLifecycle({ grants: () => expect.fail("diff called KMS"), keys: () => expect.fail("diff called KMS") }, 10);

  it("constraints as a one-element list equal the object form", async () => {
    const object = checkGrant({ ...iam, constraints: { encryptionContextEquals: { app: "billing" } } });
    const list = checkGrant({ ...iam, constraints: [{ encryptionContextEquals: { app: "billing" } }] });
    expect(list.failures).to.deep.equal([]);
    expect(list.inputs).to.deep.equal(object.inputs);
    expect(await lifecycle.diff(olds(object.inputs), list.inputs)).to.deep.equal({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("an empty list is no constraint; @pulumi/aws's unset fields (null) are absent", () => {
    expect(checkGrant({ ...iam, constraints: [] }).inputs).to.not.have.property("constraints");
    const withNull = checkGrant({ ...iam, constraints: [{ encryptionContextEquals: { a: "b" }, encryptionContextSubset: null }] });
    expect(withNull.failures).to.deep.equal([]);
    expect(withNull.inputs.constraints).to.deep.equal({ encryptionContextEquals: { a: "b" } });
  });

  it("grantCreationTokens become grantTokens; the same tokens under both names pass", async () => {
    const plain = checkGrant({ ...iam, grantTokens: ["tok"] });
    const alias = checkGrant({ ...iam, grantCreationTokens: ["tok"] });
    expect(alias.failures).to.deep.equal([]);
    expect(alias.inputs).to.deep.equal(plain.inputs);
    expect(alias.inputs).to.not.have.property("grantCreationTokens");
    expect(checkGrant({ ...iam, grantTokens: ["tok"], grantCreationTokens: ["tok"] }).inputs).to.deep.equal(plain.inputs);
    expect((await lifecycle.diff(olds(plain.inputs), alias.inputs)).changes).to.equal(false);
  });

  it("a change between the IAM and the service grantee replaces the grant", async () => {
    const before = checkGrant({ ...iam, granteePrincipal: "arn:aws:iam::111122223333:role/old" }).inputs;
    const after = checkGrant(service).inputs;
    const diff = await lifecycle.diff(olds(before), after);
    expect(diff.replaces).to.include.members(["granteePrincipal", "granteeServicePrincipal", "constraints"]);
  });
});

describe("grant facts: the new fields as ListGrants reports them", () => {
  it("fromListing: a service grantee and retiring principal, and the SourceArn", () => {
    const live = fromListing({
      GrantId: "g",
      GranteeServicePrincipal: "logs.us-east-1.amazonaws.com",
      // The GrantListEntry reference allows GranteePrincipal to carry the service too: not a second grantee.
      GranteePrincipal: "logs.us-east-1.amazonaws.com",
      RetiringServicePrincipal: "logs.us-east-1.amazonaws.com",
      Operations: ["Decrypt"],
      Constraints: { SourceArn: logGroup },
    });
    expect(live).to.deep.equal({
      granteeServicePrincipal: "logs.us-east-1.amazonaws.com",
      retiringServicePrincipal: "logs.us-east-1.amazonaws.com",
      operations: ["Decrypt"],
      constraints: { sourceArn: logGroup },
    });
    const recorded = checkGrant({
      ...service,
      retiringPrincipal: undefined,
      retiringServicePrincipal: "logs.us-east-1.amazonaws.com",
    }).inputs;
    expect(changedParameters(recorded, live)).to.deep.equal([]);
  });

  it("changedParameters compares the new fields: grantee kind, retiring service principal, sourceArn", () => {
    const recorded = checkGrant(service).inputs;
    const live = fromListing({
      GranteeServicePrincipal: "logs.us-east-1.amazonaws.com",
      RetiringPrincipal: role,
      Operations: ["Decrypt"],
      Constraints: { SourceArn: logGroup },
    });
    expect(changedParameters(recorded, live)).to.deep.equal([]);
    expect(changedParameters(recorded, { ...live, constraints: { sourceArn: `${logGroup}-other` } })).to.deep.equal(["constraints"]);
    expect(changedParameters(recorded, { ...live, granteeServicePrincipal: undefined, granteePrincipal: role })).to.deep.equal([
      "granteePrincipal",
      "granteeServicePrincipal",
    ]);
    expect(
      changedParameters(recorded, { ...live, retiringPrincipal: undefined, retiringServicePrincipal: "logs.us-east-1.amazonaws.com" }),
    ).to.deep.equal(["retiringPrincipal", "retiringServicePrincipal"]);
  });
});

/** A stubbed client that answers CreateGrant as real KMS answers a dry run, and records what was sent. */
function dryRunKms(answer: () => Error | undefined): { client: Pick<KMSClient, "send">; sent: Array<Record<string, unknown>> } {
  const sent: Array<Record<string, unknown>> = [];
  const client = {
    send: (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      if (!(command instanceof CreateGrantCommand)) throw new Error(`unexpected ${command.constructor.name}`);
      sent.push(command.input);
      const err = answer();
      if (err) throw err;
      return { GrantId: "created", GrantToken: "t" };
    }) as KMSClient["send"],
  };
  return { client, sent };
}

const refusal = (name: string, status: number) =>
  new KMSServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message: `${name} (stubbed)` });

describe("kms-policy:dryRun: check asks KMS before a grant is created or replaced", () => {
  const inputs = checkGrant(service).inputs;
  const lifecycleWith = (client: Pick<KMSClient, "send">, dryRun = true) =>
    new GrantLifecycle(
      { grants: () => new GrantApi(client), keys: () => new KeyApi(client) },
      10,
      new ProviderContext({ settings: { dryRun } }),
    );

  it("off by default: no call", async () => {
    const { client, sent } = dryRunKms(() => expect.fail("called KMS"));
    expect(await lifecycleWith(client, false).preflight({}, inputs)).to.deep.equal([]);
    expect(sent).to.have.length(0);
  });

  it("a new grant: one CreateGrant with DryRun and every field; DryRunOperationException (412) is success", async () => {
    const { client, sent } = dryRunKms(
      () => new DryRunOperationException({ $metadata: { httpStatusCode: 412 }, message: "would succeed" }),
    );
    expect(await lifecycleWith(client).preflight({}, inputs)).to.deep.equal([]);
    expect(sent).to.deep.equal([
      {
        KeyId: keyId,
        GranteePrincipal: undefined,
        GranteeServicePrincipal: "logs.us-east-1.amazonaws.com",
        Operations: ["Decrypt"],
        RetiringPrincipal: role,
        RetiringServicePrincipal: undefined,
        Constraints: { EncryptionContextEquals: undefined, EncryptionContextSubset: undefined, SourceArn: logGroup },
        GrantTokens: undefined,
        Name: "g",
        DryRun: true,
      },
    ]);
  });

  it("a refusal is a check failure naming the input and KMS's reason: a disabled key, access denied, a bad grantee", async () => {
    for (const [name, property] of [
      ["DisabledException", "keyId"],
      ["AccessDeniedException", "keyId"],
      ["ValidationException", "granteeServicePrincipal"],
    ] as const) {
      const { client } = dryRunKms(() => refusal(name, 400));
      const failures = await lifecycleWith(client).preflight({}, inputs);
      expect(failures, name).to.have.length(1);
      expect(failures[0].property, name).to.equal(property);
      expect(failures[0].reason, name).to.match(new RegExp(`pulumi up would fail.*kms-policy:dryRun.*${name}`, "s"));
    }
  });

  it("a transient failure is no verdict: no check failure", async () => {
    const { client } = dryRunKms(() => refusal("KMSInternalException", 500));
    expect(await lifecycleWith(client).preflight({}, inputs)).to.deep.equal([]);
  });

  it("an existing grant asks only when the change replaces it; unknown inputs are not asked about", async () => {
    const { client, sent } = dryRunKms(() => new DryRunOperationException({ $metadata: { httpStatusCode: 412 }, message: "ok" }));
    const lifecycle = lifecycleWith(client);
    expect(await lifecycle.preflight({ ...inputs }, { ...inputs, retireOnDelete: true })).to.deep.equal([]);
    expect(sent).to.have.length(0);
    await lifecycle.preflight({ ...inputs }, { ...inputs, operations: ["Decrypt", "Encrypt"] });
    expect(sent).to.have.length(1);
    await lifecycle.preflight({}, { ...inputs, constraints: { sourceArn: UNKNOWN } });
    expect(sent).to.have.length(1);
  });

  it("an endpoint that ignores DryRun and creates the grant: the grant is revoked and the run stops", async () => {
    const calls: string[] = [];
    const client = {
      send: (async (command: { constructor: { name: string } }) => {
        calls.push(command.constructor.name);
        return command instanceof CreateGrantCommand ? { GrantId: "made", GrantToken: "t" } : {};
      }) as KMSClient["send"],
    };
    const err = await lifecycleWith(client)
      .preflight({}, inputs)
      .then(
        () => expect.fail("no error"),
        (e: Error) => e,
      );
    expect(err.message).to.match(/ignores DryRun/);
    expect(calls).to.deep.equal(["CreateGrantCommand", "RevokeGrantCommand"]);
  });
});

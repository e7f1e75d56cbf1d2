// @ts-check
// A KMS key for the demo to manage. Not part of the package: real programs take the key from
// @pulumi/aws (`new aws.kms.Key(...)`) or from an existing key's id. This one calls KMS directly so
// that the demo needs no other provider plugin. On delete it schedules the key for deletion.
const pulumi = require("@pulumi/pulumi");

/** @type {pulumi.dynamic.ResourceProvider} */
const demoKeyProvider = {
  async create(inputs) {
    const kms = require("@aws-sdk/client-kms");
    const client = new kms.KMSClient({});
    const out = await client.send(new kms.CreateKeyCommand({ Description: inputs.description }));
    const meta = out.KeyMetadata;
    if (!meta || !meta.KeyId || !meta.Arn) throw new Error("CreateKey returned no key");
    return { id: meta.KeyId, outs: { ...inputs, keyId: meta.KeyId, arn: meta.Arn, accountId: meta.AWSAccountId } };
  },
  async delete(id) {
    const kms = require("@aws-sdk/client-kms");
    await new kms.KMSClient({}).send(new kms.ScheduleKeyDeletionCommand({ KeyId: id, PendingWindowInDays: 7 }));
  },
};

class DemoKey extends pulumi.dynamic.Resource {
  /**
   * @param {string} name
   * @param {{ description: string }} args
   */
  constructor(name, args) {
    super(demoKeyProvider, name, { keyId: undefined, arn: undefined, accountId: undefined, ...args }, {}, "demo", "Key");
  }
}

module.exports = { DemoKey };

import { KMSClient } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { KmsClients } from "../../provider/aws/client";
import { KeyApi } from "../../provider/aws/keys";
import { DUMMY_CREDENTIALS } from "../../toolchain/moto";
import { FaultProxy } from "../support/faultProxy";
import { moto } from "../support/hooks";
import { createKey, testKms } from "../support/kms";

describe("integration: a KMS connection that never answers", () => {
  let proxy: FaultProxy;
  let kms: KMSClient;
  const savedEnv = { ...process.env };

  before(async () => {
    const server = await moto();
    kms = testKms(server);
    proxy = await new FaultProxy(server.endpoint).start();
    // The provider's own client, configured the way users configure it: from the environment.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: proxy.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    });
  });
  after(async () => {
    process.env = savedEnv;
    await proxy.stop();
  });

  it("a hung attempt fails after requestTimeoutSeconds and is retried: the call succeeds", async () => {
    const key = await createKey(kms);
    const api = new KeyApi(new KmsClients().client({ region: "us-east-1", requestTimeoutSeconds: 0.5, maxAttempts: 3 }));
    proxy.reset({ faults: [{ operations: ["DescribeKey"], rate: 1, kinds: ["hang"], times: 1 }] });
    expect((await api.describeKey(key.keyId)).arn).to.equal(key.arn);
    expect(proxy.count("DescribeKey")).to.equal(2);
  });

  it("when every attempt hangs, the call ends after maxAttempts and says that running again is safe", async () => {
    const key = await createKey(kms);
    const api = new KeyApi(new KmsClients().client({ region: "us-east-1", requestTimeoutSeconds: 0.5, maxAttempts: 3 }));
    proxy.reset({ faults: [{ operations: ["DescribeKey"], rate: 1, kinds: ["hang"] }] });
    const err = await api.describeKey(key.keyId).then(
      () => expect.fail("describeKey succeeded"),
      (e: Error) => e,
    );
    expect(err.message).to.contain("DescribeKey on key").and.contain("TimeoutError").and.contain("safe to run again");
    expect(proxy.count("DescribeKey")).to.equal(3);
  });
});

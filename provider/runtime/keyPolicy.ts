/**
 * The KeyPolicy dynamic provider. This module's export *is* the provider object, so Pulumi's
 * closure serializer records it in state as `require("pulumi-kms-policy/runtime/key-policy")`
 * instead of inlining code: small state, and refresh/destroy use the installed package's code.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { KeyPolicyApi } from "../aws/keyPolicies";
import { checkKeyPolicy, KeyPolicyInputs } from "./keyPolicyCheck";
import { createForHost } from "./initFailure";
import { KeyPolicyLifecycle, KeyPolicyOutputs } from "./keyPolicyLifecycle";
import { clientFor, configureFromStack, providerSettings } from "./settings";

const lifecycle = new KeyPolicyLifecycle((keyId, region) => new KeyPolicyApi(clientFor(keyId, region)));

const keyPolicyProvider: dynamic.ResourceProvider<KeyPolicyInputs, KeyPolicyOutputs> = {
  async configure(req) {
    configureFromStack(req.config);
  },
  async check(_olds, news) {
    const { inputs, failures } = checkKeyPolicy(news as unknown as Record<string, unknown>, providerSettings());
    return { inputs, failures };
  },
  async diff(_id, olds, news) {
    return lifecycle.diff(olds, news);
  },
  async create(inputs) {
    return createForHost(inputs, () => lifecycle.create(inputs));
  },
  async read(id, props) {
    // The host uses `inputs` for the next diff; they are the input half of the outputs.
    return (await lifecycle.read(id, props as KeyPolicyOutputs)) as dynamic.ReadResult<KeyPolicyOutputs>;
  },
  async update(_id, olds, news) {
    return lifecycle.update(olds, news);
  },
  async delete(_id, props) {
    await lifecycle.delete(props);
  },
};

export = keyPolicyProvider;

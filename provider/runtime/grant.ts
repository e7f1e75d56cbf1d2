/**
 * The Grant dynamic provider. Like runtime/keyPolicy.ts, the module's export is the provider
 * object, recorded in state as `require("pulumi-kms-policy/runtime/grant")`.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { GrantApi } from "../aws/grants";
import { KeyApi } from "../aws/keys";
import { checkGrant, GrantInputs } from "./grantCheck";
import { GrantLifecycle, GrantOutputs } from "./grantLifecycle";
import { createForHost } from "./initFailure";
import { clientFor, configureFromStack, providerSettings } from "./settings";

const lifecycle = new GrantLifecycle(
  {
    grants: (keyId, region) => new GrantApi(clientFor(keyId, region)),
    keys: (keyId, region) => new KeyApi(clientFor(keyId, region)),
  },
  500,
  () => providerSettings().grantListingDelaySeconds * 1000,
);

const grantProvider: dynamic.ResourceProvider<GrantInputs, GrantOutputs> = {
  async configure(req) {
    configureFromStack(req.config);
  },
  async check(_olds, news) {
    return checkGrant(news as unknown as Record<string, unknown>);
  },
  async diff(_id, olds, news) {
    return lifecycle.diff(olds, news);
  },
  async create(inputs) {
    return createForHost(inputs, () => lifecycle.create(inputs));
  },
  async read(id, props) {
    return (await lifecycle.read(id, props as GrantOutputs)) as dynamic.ReadResult<GrantOutputs>;
  },
  async update(_id, olds, news) {
    return lifecycle.update(olds, news);
  },
  async delete(id, props) {
    await lifecycle.delete(id, props);
  },
};

export = grantProvider;

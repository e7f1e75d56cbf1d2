import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Workspace } from "../test/support/workspace";

/**
 * `__provider` bytes per resource, computed the way `dynamic.Resource` does it, in a project where
 * the package is installed from `npm pack`. Ours is a `require` of the installed runtime; the naive
 * baseline is the same provider kept in the project's own files (as a dynamic provider usually is),
 * which Pulumi serializes by value with everything it reaches.
 */
export interface ProviderSizeResult {
  resource: string;
  oursBytes: number;
  naiveBytes: number;
}

const SCRIPT = `
const { serializeFunction } = require("@pulumi/pulumi/runtime/closure/serializeClosure");
const size = async (p) => (await serializeFunction(() => p, { allowSecrets: true })).text.length;
(async () => {
  const out = {};
  for (const [resource, file] of [["KeyPolicy", "keyPolicy.js"], ["Grant", "grant.js"]]) {
    out[resource] = {
      ours: await size(require("pulumi-kms-policy/runtime/" + (resource === "Grant" ? "grant" : "key-policy"))),
      naive: await size(require("./local-provider/runtime/" + file)),
    };
  }
  console.log(JSON.stringify(out));
})();
`;

export async function benchProviderSize(workspace: Workspace): Promise<ProviderSizeResult[]> {
  const dir = path.join(workspace.dir, "provider-size");
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(path.join(workspace.dir, "node_modules", "pulumi-kms-policy", "dist"), path.join(dir, "local-provider"), { recursive: true });
  fs.writeFileSync(path.join(dir, "measure.js"), SCRIPT);
  const result = JSON.parse(execFileSync(process.execPath, ["measure.js"], { cwd: dir, encoding: "utf8", env: workspace.env() })) as Record<
    string,
    { ours: number; naive: number }
  >;
  return Object.entries(result).map(([resource, r]) => ({ resource, oursBytes: r.ours, naiveBytes: r.naive }));
}

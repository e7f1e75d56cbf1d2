import * as fs from "fs";
import { ownPackageJson } from "../ownPackage";

/** Where a command writes: its result (stdout, or the `--output` file) and its messages (stderr). */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * The exit codes of every command, so that CI tells a bad policy from a broken workflow:
 * 0 nothing to report (no finding at or above `--fail-on`, equivalent, in sync), 1 something to
 * report (findings, a difference, drift), 2 the run could not check something (usage error, a file
 * it could not read, an internal error). docs/cli.md has the table.
 */
export const EXIT = { ok: 0, findings: 1, failed: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A file that could not be read, with the reason in words (not Node's `ENOENT: ...` text). */
export class InputError extends Error {
  constructor(
    readonly file: string,
    /** Why, without the file's name (a report that names the file already says it once). */
    readonly reason: string,
  ) {
    super(`cannot read ${file}: ${reason}`);
    this.name = "InputError";
  }
}

let stdoutStream = false;

/**
 * Writes to standard output. Directly to the descriptor while that works: `process.stdout` loads
 * Node's stream modules, a few ms of every cold start that prints anything. From the first write the
 * descriptor refuses (a non-blocking pipe that is full, a closed reader), the rest goes through
 * `process.stdout` as before, in order.
 */
export function writeStdout(text: string): void {
  if (!stdoutStream) {
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(1, bytes, written);
      return;
    } catch {
      stdoutStream = true;
      process.stdout.write(bytes.subarray(written));
      return;
    }
  }
  process.stdout.write(text);
}

const REASONS: Record<string, string> = {
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of its path is a file, not a directory",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
};

/** Why a file could not be read or written, in words; Node's own message only for a cause not named here. */
export function fileErrorReason(err: unknown, use: "read" | "write"): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  // ENOENT on a write means the folder is missing: the file itself would have been created.
  if (code === "ENOENT") return use === "read" ? "no such file" : "its directory does not exist";
  return REASONS[code] ?? (err as Error).message;
}

/** Reads a file, or standard input when the name is `-`. Throws InputError. */
export function readInput(name: string): string {
  try {
    return name === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(name, "utf8");
  } catch (err) {
    throw new InputError(name === "-" ? "standard input" : name, fileErrorReason(err, "read"));
  }
}

/** How a policy reached us: as itself, or inside what `aws kms get-key-policy` prints. */
export type PolicyWrapping = "get-key-policy" | "json-string";

const BOM = "\uFEFF";

/** The top-level members of what `aws kms get-key-policy` prints: nothing else is its output. */
const GET_KEY_POLICY_KEYS: ReadonlySet<string> = new Set(["Policy", "PolicyName"]);

/**
 * The policy a file holds. `aws kms get-key-policy` prints `{"Policy": "<policy as a string>",
 * "PolicyName": "default"}`, and with `--query Policy --output json` the policy as one JSON string:
 * both are unwrapped. Only a document with no member but those two is unwrapped: a policy that also
 * carries a string `Policy` member keeps its own statements in view (and its `Policy` key is a finding).
 * Any other text is the policy.
 */
export function unwrapPolicy(text: string): { text: string; wrapping?: PolicyWrapping } {
  // A byte-order mark (an editor's, PowerShell's) does not change what the file is. It stays in
  // front of the unwrapped policy, so the engine judges it as for any file: an error for a policy
  // about to be written, skipped in a tolerant read.
  const bom = text.startsWith(BOM) ? BOM : "";
  const json = text.slice(bom.length);
  const start = json.trimStart()[0];
  if (start !== "{" && start !== '"') return { text };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { text };
  }
  if (typeof value === "string") return { text: bom + value, wrapping: "json-string" };
  if (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { Policy?: unknown }).Policy === "string" &&
    Object.keys(value).every((key) => GET_KEY_POLICY_KEYS.has(key))
  )
    return { text: bom + (value as { Policy: string }).Policy, wrapping: "get-key-policy" };
  return { text };
}

/** readInput, then unwrapPolicy. */
export function readPolicyFile(name: string): { text: string; raw: string; wrapping?: PolicyWrapping } {
  const raw = readInput(name);
  return { raw, ...unwrapPolicy(raw) };
}

/** This package's version, for SARIF's tool metadata; "0.0.0" when its package.json cannot be found. */
export function packageVersion(): string {
  return ownPackageJson()?.version ?? "0.0.0";
}

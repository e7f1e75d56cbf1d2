import * as fs from "fs";
import { ownPackageJson } from "../ownPackage";

/** Reads a file, or standard input when the name is `-`. */
export function readInput(name: string): string {
  return name === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(name, "utf8");
}

/** Exit codes shared by every subcommand: scripts and CI tell "different" from "broken". */
export const EXIT = { ok: 0, different: 1, invalid: 2 } as const;

/** This package's version, for SARIF's tool metadata; "0.0.0" when its package.json cannot be found. */
export function packageVersion(): string {
  return ownPackageJson()?.version ?? "0.0.0";
}

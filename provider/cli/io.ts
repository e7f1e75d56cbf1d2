import * as fs from "fs";
import * as path from "path";

/** Reads a file, or standard input when the name is `-`. */
export function readInput(name: string): string {
  return name === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(name, "utf8");
}

/** Exit codes shared by every subcommand: scripts and CI tell "different" from "broken". */
export const EXIT = { ok: 0, different: 1, invalid: 2 } as const;

/** This package's version, for SARIF's tool metadata: the nearest package.json named pulumi-kms-policy. */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-kms-policy" && pkg.version) return pkg.version;
    } catch {
      // not here; look one level up
    }
    if (path.dirname(dir) === dir) return "0.0.0";
  }
}

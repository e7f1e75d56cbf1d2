import * as fs from "fs";

/** Reads a file, or standard input when the name is `-`. */
export function readInput(name: string): string {
  return name === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(name, "utf8");
}

/** Exit codes shared by every subcommand: scripts and CI tell "different" from "broken". */
export const EXIT = { ok: 0, different: 1, invalid: 2 } as const;

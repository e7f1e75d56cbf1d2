import { ESLint } from "eslint";
import * as path from "path";
import { REPO_ROOT } from "./tools";

/** The rule ids ESLint reports for a module with `source` at `file` (relative to the repository). */
export async function ruleIds(eslint: ESLint, file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(REPO_ROOT, file) });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

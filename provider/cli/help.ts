/** `kms-policy --help` and `kms-policy help COMMAND`, written from the command table. */
import { flagLabel } from "./args";
import { COMMANDS, CommandSpec, flagsOf } from "./commands";

const pad = (text: string, width: number) => (text.length >= width ? `${text}  ` : text.padEnd(width));

/** The exit codes, one table for every command. */
export const EXIT_CODES = `exit codes:
  0  nothing to report: no finding at or above --fail-on, equivalent, in sync
  1  something to report: findings at or above --fail-on, a difference, drift
  2  could not check: a usage error, a file that could not be read, an internal error`;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length + c.operands.length + 1)) + 4;
  const lines = COMMANDS.map((c) => {
    const alias = c.aliases?.length ? ` (also: ${c.aliases.join(", ")})` : "";
    return `  ${pad(`${c.name} ${c.operands}`, width)}${c.summary}${alias}`;
  });
  return [
    "usage: kms-policy COMMAND [options]",
    "",
    "commands:",
    ...lines,
    "",
    "  kms-policy help COMMAND (or COMMAND --help) lists a command's own flags.",
    "  -h, --help      this help",
    "  -V, --version   the version",
    "",
    EXIT_CODES,
  ].join("\n");
}

export function commandHelp(command: CommandSpec): string {
  const flags = flagsOf(command);
  const width = Math.max(...flags.map((f) => flagLabel(f).length)) + 4;
  const alias = command.aliases?.length ? `\n(also: kms-policy ${command.aliases.join(", ")})` : "";
  return [
    `usage: kms-policy ${command.name} ${command.operands} [options]${alias}`,
    "",
    command.description,
    "",
    "options:",
    ...flags.map((f) => `  ${pad(flagLabel(f), width)}${f.description}`),
    "",
    "exit codes:",
    ...command.exitCodes.map((meaning, code) => `  ${code}  ${meaning}`).filter((line) => !line.endsWith(" -")),
  ].join("\n");
}

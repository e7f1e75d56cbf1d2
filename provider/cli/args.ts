/**
 * Flags and operands, read from the command's own table (commands.ts): a flag another command
 * takes, or none does, is refused in one line with what to write instead, never ignored.
 */
import { closest } from "../policy/grammar";

/** One flag of a command, as its help, its docs and its parser see it. */
export interface FlagSpec {
  /** Without the dashes: `fail-on`. */
  name: string;
  /** One letter, for `-o`. */
  short?: string;
  /** The value's placeholder (`FILE`, `N`); a flag without one is a switch. */
  value?: string;
  /** The flag may be given more than once; its values are kept in order. */
  multiple?: boolean;
  /** One line or two, for `--help` and docs/cli.md. */
  description: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  operands: string[];
}

/** A usage error: the message, in one or two lines, and exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A UsageError from any copy of this module: by name, since every bundle of the command holds its own
 * copy (scripts/bundle-cli.js) and drift runs from tsc's output with another, so that a UsageError a
 * command throws is not an instance of the class main.ts catches with.
 */
export function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === "UsageError";
}

/** `--name VALUE` or `--name` for a switch, with `-x` when it has one. */
export function flagLabel(flag: FlagSpec): string {
  const long = `--${flag.name}${flag.value ? ` ${flag.value}` : ""}`;
  return flag.short ? `-${flag.short}, ${long}` : long;
}

/**
 * Reads `args` against the flags a command takes: `--name VALUE`, `--name=VALUE`, `-x VALUE`, `--`
 * ends the flags, `-` alone is an operand (standard input). `others` names, for each flag another
 * command takes, those commands, for the message that says where the flag belongs.
 */
export function parseArgs(
  command: string,
  args: readonly string[],
  flags: readonly FlagSpec[],
  others: (flag: string) => string[],
): ParsedArgs {
  const values: FlagValues = {};
  const operands: string[] = [];
  const byName = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      operands.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const eq = long ? arg.indexOf("=") : -1;
    const name = long ? arg.slice(2, eq < 0 ? undefined : eq) : arg.slice(1, 2);
    const flag = long ? byName.get(name) : byShort.get(name);
    if (!flag) throw new UsageError(unknownFlag(command, long ? `--${name}` : `-${name}`, name, flags, others));
    let value: string | boolean = true;
    if (flag.value) {
      const inline = long ? (eq < 0 ? undefined : arg.slice(eq + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
      if (inline !== undefined) value = inline;
      else if (i + 1 < args.length) value = args[++i];
      else throw new UsageError(`${command}: ${flagLabel(flag)} needs a value`);
    } else if (eq >= 0 || (!long && arg.length > 2)) {
      throw new UsageError(`${command}: --${flag.name} takes no value`);
    }
    if (flag.multiple) values[flag.name] = [...((values[flag.name] as string[] | undefined) ?? []), String(value)];
    else if (values[flag.name] !== undefined && values[flag.name] !== value)
      throw new UsageError(`${command}: --${flag.name} given twice; give it once`);
    else values[flag.name] = value;
  }
  return { flags: values, operands };
}

function unknownFlag(
  command: string,
  written: string,
  name: string,
  flags: readonly FlagSpec[],
  others: (flag: string) => string[],
): string {
  const elsewhere = others(name);
  if (elsewhere.length > 0) {
    const list = elsewhere.length > 1 ? `${elsewhere.slice(0, -1).join(", ")} and ${elsewhere[elsewhere.length - 1]}` : elsewhere[0];
    return `${command} does not take ${written}: only ${list} ${elsewhere.length > 1 ? "do" : "does"}\nsee: kms-policy help ${command}`;
  }
  const guess = closest(
    name,
    flags.map((f) => f.name),
  );
  return `${command}: unknown flag ${written}${guess ? `; did you mean --${guess}?` : ""}\nsee: kms-policy help ${command}`;
}

/** The one value of a flag, when given. */
export const stringFlag = (values: FlagValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
};

/** The value of a flag that must be one of `choices`; `fallback` when absent. */
export function choiceFlag<T extends string>(values: FlagValues, name: string, choices: readonly T[], fallback: T): T {
  const v = stringFlag(values, name);
  if (v === undefined) return fallback;
  if ((choices as readonly string[]).includes(v)) return v as T;
  const guess = closest(v, choices);
  throw new UsageError(`--${name} must be ${choices.join(", ")}, not "${v}"${guess ? `; did you mean ${guess}?` : ""}`);
}

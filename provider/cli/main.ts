/**
 * `kms-policy`: finds the command in the table (commands.ts), reads its flags, and runs its module.
 * Loads nothing but this folder's table until a command runs. The executable is bin.ts, which requires
 * this module: in the package, kms-policy-main.js, this module bundled with the table, flags, help and
 * io but none of the commands, each of which is a file of its own (scripts/bundle-cli.js). tsc's
 * output of this module (dist/cli/main.js) ships too and runs the command when node runs it.
 */
import * as fs from "fs";
import { UsageError, isUsageError, parseArgs } from "./args";
import { COMMANDS, commandsTaking, findCommand, flagsOf } from "./commands";
import { commandHelp, usage } from "./help";
import { EXIT, Output, fileErrorReason, packageVersion, writeStdout } from "./io";
import { closest } from "../policy/grammar";

const console_: Output = {
  out: (text) => writeStdout(text + "\n"),
  err: (text) => process.stderr.write(text + "\n"),
};

const commandNames = () => COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);

/** Runs `kms-policy ARGS...`; resolves to the exit code (see io.ts EXIT). */
export async function main(argv: string[], io: Output = console_): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(usage());
    return EXIT.failed;
  }
  if (first === "--help" || first === "-h") {
    io.out(usage());
    return EXIT.ok;
  }
  if (first === "--version" || first === "-V") {
    io.out(packageVersion());
    return EXIT.ok;
  }
  if (first === "help") {
    if (rest.length === 0) {
      io.out(usage());
      return EXIT.ok;
    }
    const command = findCommand(rest[0]);
    if (!command) return unknownCommand(rest[0], io);
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  if (first.startsWith("-")) {
    io.err(`kms-policy: give the command first, e.g. kms-policy validate FILE ${first}\nsee: kms-policy --help`);
    return EXIT.failed;
  }
  const command = findCommand(first);
  if (!command) return unknownCommand(first, io);

  let args;
  try {
    args = parseArgs(command.name, rest, flagsOf(command), commandsTaking);
    if (args.flags.help === true) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    const n = args.operands.length;
    if (n < command.arity.min || n > command.arity.max) {
      const wanted =
        command.arity.max === Infinity
          ? `${command.operands} (one or more)`
          : `${command.operands} (${command.arity.max} operand${command.arity.max > 1 ? "s" : ""})`;
      throw new UsageError(`${command.name} takes ${wanted}, not ${n === 0 ? "none" : n}\nsee: kms-policy help ${command.name}`);
    }
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.err(err.message);
    return EXIT.failed;
  }

  // `-o -` is standard output, as `-` is standard input for the files read.
  const outputFile = typeof args.flags.output === "string" && args.flags.output !== "-" ? args.flags.output : undefined;
  const written: string[] = [];
  const target: Output = outputFile === undefined ? io : { out: (text) => written.push(text), err: (text) => io.err(text) };
  let code: number;
  try {
    const module = await command.load();
    code = await module.run(args, target);
  } catch (err) {
    io.err(isUsageError(err) ? err.message : `kms-policy ${command.name}: ${(err as Error).message}`);
    code = EXIT.failed;
  }
  if (outputFile !== undefined) {
    try {
      fs.writeFileSync(outputFile, written.map((t) => t + "\n").join(""));
    } catch (err) {
      io.err(`kms-policy ${command.name}: cannot write ${outputFile}: ${fileErrorReason(err, "write")}`);
      return EXIT.failed;
    }
  }
  return code;
}

function unknownCommand(name: string, io: Output): number {
  const guess = closest(name, commandNames());
  io.err(`kms-policy: unknown command "${name}"${guess ? `; did you mean ${guess}?` : ""}\nsee: kms-policy --help`);
  return EXIT.failed;
}

/** Runs the command of `process.argv` and sets the process's exit code; bin.ts calls it. */
export function runMain(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`kms-policy: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}

// Run directly (`node dist/cli/main.js`, the executable's path before the bundle), this module is
// the command: CI steps that call it by path must still fail on a bad policy. Required by bin.ts or
// a test, it only exports.
if (require.main === module) runMain();

#!/usr/bin/env node
import { parseArgs } from "util";
import { EXIT } from "./io";
import { Output, diffCommand, normalizeCommand, validateCommand } from "./policyCommands";

const USAGE = `usage: kms-policy <command> [options]

  validate FILE [--generic]     list every problem (path, rule, fix); exit 2 if any
  normalize FILE                print the canonical JSON
  diff A B [--format F]         exit 0 equivalent, 1 different (diff on stdout), 2 invalid

FILE may be - for standard input. --format is text (default) or markdown.
--generic checks the policy grammar only, without the key-policy rules (Principal and Resource required).`;

const console_: Output = {
  out: (text) => process.stdout.write(text + "\n"),
  err: (text) => process.stderr.write(text + "\n"),
};

export async function main(argv: string[], io: Output = console_): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "text" },
        generic: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  const [command, ...files] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return values.help ? EXIT.ok : EXIT.invalid;
  }
  const format = values.format;
  if (format !== "text" && format !== "markdown") {
    io.err(`--format must be text or markdown, not ${format}`);
    return EXIT.invalid;
  }
  const arity: Record<string, number> = { validate: 1, normalize: 1, diff: 2 };
  if (!(command in arity)) {
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT.invalid;
  }
  if (files.length !== arity[command]) {
    io.err(`${command} takes ${arity[command]} file argument${arity[command] > 1 ? "s" : ""}\n\n${USAGE}`);
    return EXIT.invalid;
  }
  try {
    switch (command) {
      case "validate":
        return validateCommand(files[0], io, values.generic ?? false);
      case "normalize":
        return normalizeCommand(files[0], io);
      default:
        return diffCommand(files[0], files[1], io, format);
    }
  } catch (err) {
    io.err(`kms-policy ${command}: ${(err as Error).message}`);
    return EXIT.invalid;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

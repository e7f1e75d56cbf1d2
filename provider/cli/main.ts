#!/usr/bin/env node
import { parseArgs } from "util";
import { EXIT } from "./io";
import { driftCommand } from "./driftCommand";
import { Output, diffCommand, normalizeCommand, validateCommand } from "./policyCommands";

const USAGE = `usage: kms-policy <command> [options]

  validate FILE [--generic]     list every problem (path, rule, fix); exit 2 if any
  normalize FILE                print the canonical JSON
  diff A B [--format F]         exit 0 equivalent, 1 different (diff on stdout), 2 invalid
  drift EXPORT [options]        compare a \`pulumi stack export\` with live KMS (read-only calls);
                                exit 0 in sync, 1 drift, 2 error
      --format text|markdown|json   report format (default text; colour only on a terminal)
      --concurrency N               keys checked at once (default 8)
      --unmanaged-grants            also report grants on managed keys that no Grant declares
      --grant-listing-delay SECONDS a grant younger than this that ListGrants does not show yet is
                                    "not listed yet", not gone (default 300, as kms-policy:grantListingDelaySeconds)
      --region R                    region for keys given by id only (default: the AWS SDK's)

FILE and EXPORT may be - for standard input. --format is text (default) or markdown for diff.
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
        concurrency: { type: "string" },
        "unmanaged-grants": { type: "boolean", default: false },
        "grant-listing-delay": { type: "string" },
        region: { type: "string" },
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
  const formats = command === "drift" ? ["text", "markdown", "json"] : ["text", "markdown"];
  if (format === undefined || !formats.includes(format)) {
    io.err(`--format must be ${formats.join(" or ")}, not ${format}`);
    return EXIT.invalid;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) {
    io.err("--concurrency must be a whole number from 1 to 256");
    return EXIT.invalid;
  }
  const delay = values["grant-listing-delay"] === undefined ? undefined : Number(values["grant-listing-delay"]);
  if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
    io.err(`--grant-listing-delay must be a number of seconds, 0 or more, not ${values["grant-listing-delay"]}`);
    return EXIT.invalid;
  }
  const arity: Record<string, number> = { validate: 1, normalize: 1, diff: 2, drift: 1 };
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
      case "drift":
        return await driftCommand(files[0], io, {
          format: format as "text" | "markdown" | "json",
          concurrency,
          unmanagedGrants: values["unmanaged-grants"] ?? false,
          grantListingDelaySeconds: delay,
          region: values.region,
          tty: process.stdout.isTTY === true,
        });
      default:
        return diffCommand(files[0], files[1], io, format as "text" | "markdown");
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

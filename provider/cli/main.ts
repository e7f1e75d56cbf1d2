#!/usr/bin/env node
import { parseArgs } from "util";
import { EXIT } from "./io";
import { SEVERITIES, Severity } from "../policy/lint/types";
import { parseSuppressions } from "../policy/lint/suppressions";
import { ACCOUNT_ID } from "../policy/grammar";
import { DRIFT_FORMATS, DriftFormat, driftCommand } from "./driftCommand";
import { LINT_FORMATS, LintFormat } from "./lintReport";
import { Output, diffCommand, normalizeCommand, validateCommand } from "./policyCommands";

const USAGE = `usage: kms-policy <command> [options]

  validate FILE... [options]    lint each policy: every finding with its severity, path, rule and fix;
                                exit 2 if KMS would refuse one, 1 if a finding reaches --fail-on, else 0
      --format text|json|sarif|github   output (default text; sarif = SARIF 2.1.0; github = annotations)
      --fail-on error|security|warning|suggestion   what fails the run (default error)
      --ignore SID:RULE             leave out a rule for a statement (as kms-policy:ignore); repeat the
                                    flag for more. The rule is after the last colon; the Sid may hold
                                    spaces and commas. * as Sid or rule matches any
      --account ID                  the account that owns the key(s), for the cross-account rules
                                    (default: inferred from who may call kms:PutKeyPolicy, if certain)
      --generic                     generic mode: grammar only, without the key-policy rules
  normalize FILE [--generic] [--tolerant]   print the canonical JSON; exit 2 if the file is invalid
  diff A B [--format F] [--generic] [--tolerant]
                                exit 0 equivalent, 1 different (diff on stdout), 2 invalid
      --generic                     generic mode (IAM identity policies: no Principal needed);
                                    the default is key-policy mode, as for validate
      --tolerant                    the files are policies KMS returned (aws kms get-key-policy):
                                    compare them without validating, as kms-policy drift does
  drift EXPORT [options]        compare a \`pulumi stack export\` with live KMS (read-only calls);
                                exit 0 in sync, 1 drift, 2 error
      --format text|markdown|json|junit   report format (default text; colour only on a terminal)
      --concurrency N               keys checked at once (default 8)
      --unmanaged-grants            also report grants on managed keys that no Grant declares
      --grant-listing-delay SECONDS a grant younger than this that ListGrants does not show yet is
                                    "not listed yet", not gone (default 300, as kms-policy:grantListingDelaySeconds)
      --region R                    region for keys given by id only (default: the AWS SDK's)
      --assume-role ARN             check every key with this role instead of each resource's
                                    recorded role (e.g. from a central audit account)
      --external-id ID              the external id the --assume-role role's trust policy requires
      --session-name NAME           the --assume-role session name (default pulumi-kms-policy)

FILE and EXPORT may be - for standard input. --format is text (default) or markdown for diff.`;

const console_: Output = {
  out: (text) => process.stdout.write(text + "\n"),
  err: (text) => process.stderr.write(text + "\n"),
};

/** The commands and the flags each takes; a flag given to another command is refused, never silently ignored. */
const COMMANDS = {
  validate: ["format", "generic", "fail-on", "ignore", "account"],
  normalize: ["generic", "tolerant"],
  diff: ["format", "generic", "tolerant"],
  drift: ["format", "concurrency", "unmanaged-grants", "grant-listing-delay", "region", "assume-role", "external-id", "session-name"],
} as const;
type Command = keyof typeof COMMANDS;
const isCommand = (name: string): name is Command => Object.prototype.hasOwnProperty.call(COMMANDS, name);

/** The commands that take a flag, in words: "validate and diff". */
function commandsTaking(flag: string): string {
  const names = (Object.keys(COMMANDS) as Command[]).filter((c) => (COMMANDS[c] as readonly string[]).includes(flag));
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names.join("");
}

export async function main(argv: string[], io: Output = console_): Promise<number> {
  let parsed;
  try {
    // No defaults here, so that a flag's presence tells what was given (defaults are applied below).
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string" },
        generic: { type: "boolean" },
        tolerant: { type: "boolean" },
        account: { type: "string" },
        "fail-on": { type: "string" },
        ignore: { type: "string", multiple: true },
        concurrency: { type: "string" },
        "unmanaged-grants": { type: "boolean" },
        "grant-listing-delay": { type: "string" },
        region: { type: "string" },
        "assume-role": { type: "string" },
        "external-id": { type: "string" },
        "session-name": { type: "string" },
        help: { type: "boolean", short: "h" },
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
  if (!isCommand(command)) {
    io.err(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT.invalid;
  }
  const takes: readonly string[] = COMMANDS[command];
  for (const [flag, value] of Object.entries(values)) {
    if (value === undefined || flag === "help" || takes.includes(flag)) continue;
    const others = commandsTaking(flag);
    io.err(`${command} does not take --${flag}: only ${others} ${others.includes(" and ") ? "do" : "does"}`);
    return EXIT.invalid;
  }
  const format = values.format ?? "text";
  const formats: readonly string[] = command === "drift" ? DRIFT_FORMATS : command === "validate" ? LINT_FORMATS : ["text", "markdown"];
  if (!formats.includes(format)) {
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
  const failOn = (values["fail-on"] ?? "error") as Severity;
  if (!SEVERITIES.includes(failOn)) {
    io.err(`--fail-on must be ${SEVERITIES.join(", ")}, not ${failOn}`);
    return EXIT.invalid;
  }
  // Each --ignore is one entry, so that a Sid may hold the commas the setting's string form splits at.
  const ignore = parseSuppressions(values.ignore ?? [], "flag");
  if (ignore.problems.length > 0) {
    io.err(`--ignore takes one Sid:rule pair each: ${ignore.problems.join("; ")}`);
    return EXIT.invalid;
  }
  if (values.account !== undefined && !ACCOUNT_ID.test(values.account)) {
    io.err(`--account must be a 12-digit AWS account id, not "${values.account}"`);
    return EXIT.invalid;
  }
  const arity: Record<Command, number> = { validate: 1, normalize: 1, diff: 2, drift: 1 };
  const arityOk = command === "validate" ? files.length >= 1 : files.length === arity[command];
  if (!arityOk) {
    const wanted =
      command === "validate" ? "one or more file arguments" : `${arity[command]} file argument${arity[command] > 1 ? "s" : ""}`;
    io.err(`${command} takes ${wanted}\n\n${USAGE}`);
    return EXIT.invalid;
  }
  const read = { generic: values.generic ?? false, tolerant: values.tolerant ?? false };
  try {
    switch (command) {
      case "validate":
        return validateCommand(files, io, {
          generic: values.generic ?? false,
          format: format as LintFormat,
          failOn,
          ignore: ignore.suppressions,
          account: values.account,
        });
      case "normalize":
        return normalizeCommand(files[0], io, read);
      case "drift":
        return await driftCommand(files[0], io, {
          format: format as DriftFormat,
          concurrency,
          unmanagedGrants: values["unmanaged-grants"] ?? false,
          grantListingDelaySeconds: delay,
          region: values.region,
          assumeRole: values["assume-role"],
          externalId: values["external-id"],
          sessionName: values["session-name"],
          tty: process.stdout.isTTY === true,
        });
      default:
        return diffCommand(files[0], files[1], io, format as "text" | "markdown", read);
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

/**
 * The commands of `kms-policy`: one entry each, with its operands, flags, help and exit codes.
 * The parser, `--help`, `kms-policy help COMMAND` and the docs test read this table; a new command is
 * one entry here and its own module, loaded only when it runs (so `validate` never loads the AWS SDK
 * that `drift` needs). The modules are required by these names, which the bundle of the command maps
 * to one file per command module (scripts/bundle-cli.js).
 */
import { FlagSpec, ParsedArgs } from "./args";
import { Output } from "./io";

/** What a command's module exports: the run, given the flags and operands the table let through. */
export interface CommandModule {
  run(args: ParsedArgs, io: Output): Promise<number> | number;
}

export interface CommandSpec {
  name: string;
  /** Other names it answers to (`lint` for validate). */
  aliases?: readonly string[];
  /** The operands, as usage shows them: `FILE...`, `A B`. */
  operands: string;
  /** How many operands it takes. */
  arity: { min: number; max: number };
  /** One line, for the command list. */
  summary: string;
  /** A few lines, for the command's own help. */
  description: string;
  /** Its flags; `--help` and `--output` are added to every command. */
  flags: readonly FlagSpec[];
  /** What each exit code means for this command (0, 1, 2). */
  exitCodes: readonly [string, string, string];
  /** Loads the module that runs it (by require: import() would load it through Node's slower ES module loader). */
  load(): Promise<CommandModule>;
}

/** Flags every command takes. */
export const COMMON_FLAGS: readonly FlagSpec[] = [
  {
    name: "output",
    short: "o",
    value: "FILE",
    description: "write the result to FILE instead of standard output (- is standard output; messages stay on stderr)",
  },
  { name: "help", short: "h", description: "this help" },
];

/** What a lockout finding tells a user to give to accept a policy nobody can change: the AWS CLI's flag name. */
export const LOCKOUT_OPT_OUT = "give --bypass-policy-lockout-safety-check";

/** The flags several commands share, described once. */
export const FLAGS = {
  bypassLockout: {
    name: "bypass-policy-lockout-safety-check",
    description: "do not report a policy that leaves nobody able to change it (as the AWS CLI's flag of that name)",
  },
  generic: {
    name: "generic",
    description: "generic mode: the policy grammar alone (IAM identity policies, no Principal needed), without the key-policy rules",
  },
  tolerant: {
    name: "tolerant",
    description:
      "the files are policies KMS returned (aws kms get-key-policy): read them without validating, as refresh and kms-policy drift do",
  },
  format: (formats: readonly string[]): FlagSpec => ({
    name: "format",
    value: "FORMAT",
    description: `output format: ${formats.join(", ")} (default ${formats[0]})`,
  }),
} as const;

export const LINT_FORMATS = ["text", "json", "sarif", "github"] as const;
export const DIFF_FORMATS = ["text", "markdown"] as const;
export const DRIFT_FORMATS = ["text", "markdown", "json", "junit"] as const;
export const CHECK_FORMATS = LINT_FORMATS;
export const ACCESS_FORMATS = ["text", "markdown", "json"] as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "validate",
    aliases: ["lint"],
    operands: "FILE...",
    arity: { min: 1, max: Infinity },
    summary: "lint key policies: every finding with its file, line, severity, rule, JSON path and fix",
    description:
      "Lints each policy file (or - for standard input): what KMS would refuse (error, the lockout included), what gives\n" +
      "the key away (security), likely mistakes (warning) and style (suggestion). A file that cannot be read is\n" +
      "reported and the others are still checked. The output of aws kms get-key-policy is read as the policy it holds.",
    flags: [
      FLAGS.format(LINT_FORMATS),
      {
        name: "fail-on",
        value: "SEVERITY",
        description: "the least severity that fails the run (exit 1): error, security, warning or suggestion (default security)",
      },
      {
        name: "ignore",
        value: "SID:RULE",
        multiple: true,
        description: "leave out a rule for a statement, as kms-policy:ignore; repeat for more (* as Sid or rule matches any)",
      },
      {
        name: "account",
        value: "ID",
        description: "the account that owns the key(s), for the cross-account rules and the fixes (default: inferred, if certain)",
      },
      FLAGS.bypassLockout,
      FLAGS.generic,
    ],
    exitCodes: [
      "no finding at or above --fail-on",
      "findings at or above --fail-on (what KMS would refuse always is)",
      "a file could not be read, a usage error, or an internal error",
    ],
    load: async () => require("./validateCommand") as CommandModule,
  },
  {
    name: "normalize",
    operands: "FILE",
    arity: { min: 1, max: 1 },
    summary: "print a policy's canonical JSON",
    description: "Prints the canonical form of the policy: two policies that mean the same print the same text.",
    flags: [FLAGS.generic, FLAGS.tolerant, FLAGS.bypassLockout],
    exitCodes: ["printed", "-", "the file could not be read or is invalid, the lockout included (the problems on stderr)"],
    load: async () => ({ run: (require("./policyCommands") as typeof import("./policyCommands")).runNormalize }),
  },
  {
    name: "diff",
    operands: "A B",
    arity: { min: 2, max: 2 },
    summary: "compare two policies by meaning; the differences as text or markdown",
    description: "Compares two policies as KMS reads them: order, case of actions, a string for a one-element list do not count.",
    flags: [FLAGS.format(DIFF_FORMATS), FLAGS.generic, FLAGS.tolerant, FLAGS.bypassLockout],
    exitCodes: [
      "equivalent",
      "different (the difference on stdout)",
      "could not compare: a file could not be read or is invalid, the lockout included",
    ],
    load: async () => ({ run: (require("./policyCommands") as typeof import("./policyCommands")).runDiff }),
  },
  {
    name: "drift",
    operands: "EXPORT",
    arity: { min: 1, max: 1 },
    summary: "compare a `pulumi stack export` with live KMS (read-only calls)",
    description:
      "Reads each KeyPolicy and Grant of the stack export (or - for standard input) and compares it with what KMS holds,\n" +
      "with each resource's recorded Region and role. Only read calls are made.",
    flags: [
      FLAGS.format(DRIFT_FORMATS),
      { name: "concurrency", value: "N", description: "keys checked at once, 1 to 256 (default 8)" },
      { name: "unmanaged-grants", description: "also report grants on managed keys that no Grant declares" },
      {
        name: "unowned-statements",
        description: "also list the statements no KeyPolicyStatement owns on keys managed statement by statement (not drift)",
      },
      {
        name: "grant-listing-delay",
        value: "SECONDS",
        description: 'a grant younger than this that ListGrants does not show yet is "not listed yet", not gone (default 300)',
      },
      { name: "region", value: "R", description: "the Region of keys given by id only (default: the AWS SDK's)" },
      {
        name: "assume-role",
        value: "ARN",
        description: "check every key with this role instead of each resource's recorded role (e.g. a central audit account)",
      },
      { name: "external-id", value: "ID", description: "the external id the --assume-role role's trust policy requires" },
      { name: "session-name", value: "NAME", description: "the --assume-role session name (default pulumi-kms-policy)" },
    ],
    exitCodes: ["in sync", "drift", "error: the export could not be read, or a key could not be checked"],
    load: async () => require("./driftCommand") as CommandModule,
  },
  {
    name: "check",
    operands: "CHECK FILE...",
    arity: { min: 2, max: 3 },
    summary: "prove offline that a change grants no new access, or that a policy grants none of some actions",
    description:
      "no-new-access BEFORE AFTER: PASS when no request (any principal, action, request context) is allowed by AFTER and not\n" +
      "by BEFORE. access-not-granted FILE --action A: PASS when no principal (or none of the --principal ones) is allowed\n" +
      "any of the actions. A FAIL names each statement, its principals and actions, as proven new access or could not\n" +
      "prove. The key policy alone decides (docs/access-checks.md); no AWS call is made.",
    flags: [
      FLAGS.format(CHECK_FORMATS),
      {
        name: "action",
        value: "ACTION",
        multiple: true,
        description: "access-not-granted: an action that must not be allowed (kms:Decrypt, kms:*); repeat for more",
      },
      {
        name: "principal",
        value: "PRINCIPAL",
        multiple: true,
        description: "access-not-granted: ask only about this principal (an ARN, an account id, a service name); repeat for more",
      },
    ],
    exitCodes: [
      "PASS",
      "FAIL (each statement that may grant the access on stdout)",
      "could not check: a file could not be read or is not a valid key policy, a usage error",
    ],
    load: async () => ({ run: (require("./accessCommands") as typeof import("./accessCommands")).runCheck }),
  },
  {
    name: "access",
    operands: "FILE|EXPORT",
    arity: { min: 1, max: 1 },
    summary: "who can do what: the access matrix of a policy, or of each KeyPolicy of a stack export with its Grants",
    description:
      "Prints, for each principal the policy names (and the patterns it implies), the actions allowed whatever the request\n" +
      "context, those allowed under conditions (with the statement and the conditions) and those denied. Given a\n" +
      "`pulumi stack export`, one matrix per KeyPolicy, with the stack's Grants on that key added.",
    flags: [FLAGS.format(ACCESS_FORMATS)],
    exitCodes: ["printed", "-", "a file could not be read, or a policy is invalid or a secret in the export"],
    load: async () => ({ run: (require("./accessCommands") as typeof import("./accessCommands")).runAccess }),
  },
];

/** The command a name (or alias) means. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

/** Every flag a command takes, its own and the common ones. */
export const flagsOf = (command: CommandSpec): readonly FlagSpec[] => [...command.flags, ...COMMON_FLAGS];

/** The commands that take a flag, by name (for "only diff and normalize do"). */
export const commandsTaking = (flag: string): string[] => COMMANDS.filter((c) => c.flags.some((f) => f.name === flag)).map((c) => c.name);

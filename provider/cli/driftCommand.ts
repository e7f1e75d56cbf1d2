import { Access, AssumeRole, checkAssumeRole } from "../aws/access";
import { GrantApi } from "../aws/grants";
import { KmsClients } from "../aws/client";
import { KeyApi } from "../aws/keys";
import { DEFAULT_CONCURRENCY, checkDrift } from "../drift/check";
import { exitCodeOf, jsonReport, junitReport, markdownReport, textReport } from "../drift/report";
import { parseStackExport } from "../drift/stackExport";
import { ParsedArgs, UsageError, choiceFlag, stringFlag } from "./args";
import { DRIFT_FORMATS } from "./commands";
import { EXIT, Output, readInput } from "./io";
import { ACCOUNT_PLACEHOLDER } from "../policy/grammar";

export type DriftFormat = (typeof DRIFT_FORMATS)[number];

/** `kms-policy drift EXPORT`, from the flags the command table let through. */
export async function run(args: ParsedArgs, io: Output): Promise<number> {
  const { flags } = args;
  const concurrencyText = stringFlag(flags, "concurrency");
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256))
    throw new UsageError(`--concurrency must be a whole number from 1 to 256, not "${concurrencyText}"`);
  const delayText = stringFlag(flags, "grant-listing-delay");
  const delay = delayText === undefined ? undefined : Number(delayText);
  if (delay !== undefined && !(delayText !== "" && Number.isFinite(delay) && delay >= 0))
    throw new UsageError(`--grant-listing-delay must be a number of seconds, 0 or more, not "${delayText}"`);
  return driftCommand(args.operands[0], io, {
    format: choiceFlag(flags, "format", DRIFT_FORMATS, "text"),
    concurrency,
    unmanagedGrants: flags["unmanaged-grants"] === true,
    unownedStatements: flags["unowned-statements"] === true,
    grantListingDelaySeconds: delay,
    region: stringFlag(flags, "region"),
    assumeRole: stringFlag(flags, "assume-role"),
    externalId: stringFlag(flags, "external-id"),
    sessionName: stringFlag(flags, "session-name"),
    tty: process.stdout.isTTY === true,
  });
}

export interface DriftCommandOptions {
  format: DriftFormat;
  concurrency?: number;
  unmanagedGrants: boolean;
  /** `--unowned-statements`: list the statements no KeyPolicyStatement owns on keys managed statement by statement. */
  unownedStatements?: boolean;
  grantListingDelaySeconds?: number;
  region?: string;
  /** `--assume-role ARN`: this role instead of each resource's recorded one (e.g. from a central audit account). */
  assumeRole?: string;
  /** `--external-id ID`: the external id that role's trust policy requires; only with `assumeRole`. */
  externalId?: string;
  /** `--session-name NAME`: the role session name CloudTrail shows (default `pulumi-kms-policy`); only with `assumeRole`. */
  sessionName?: string;
  /** Colour and a progress line: only on a terminal. */
  tty: boolean;
}

/** `kms-policy drift EXPORT`: exit 0 in sync, 1 drift, 2 error. */
export async function driftCommand(file: string, io: Output, options: DriftCommandOptions): Promise<number> {
  const role = auditRole(options);
  if ("problems" in role) {
    for (const problem of role.problems) io.err(`kms-policy drift: ${problem}`);
    return EXIT.failed;
  }
  let resources;
  try {
    resources = parseStackExport(readInput(file));
  } catch (err) {
    io.err(`kms-policy drift: ${(err as Error).message}`);
    return EXIT.failed;
  }
  // checkDrift resolves each key's Region (ARN, recorded region, --region) and Access; the
  // clients and their credentials are this run's own.
  const kms = new KmsClients();
  const clients = {
    keys: (_keyArn: string, region?: string, access?: Access) => new KeyApi(kms.client({ region, access })),
    grants: (_keyArn: string, region?: string, access?: Access) => new GrantApi(kms.client({ region, access })),
  };
  const showProgress = options.tty && resources.length > 20;
  const report = await checkDrift(resources, clients, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    unmanagedGrants: options.unmanagedGrants,
    unownedStatements: options.unownedStatements ?? false,
    grantListingDelaySeconds: options.grantListingDelaySeconds,
    region: options.region,
    ...(role.assumeRole ? { access: { assumeRole: role.assumeRole } } : {}),
    onProgress: showProgress
      ? (done, total) => process.stderr.write(`\rchecking keys: ${done}/${total}${done === total ? "\n" : ""}`)
      : undefined,
  });
  const renderers: Record<DriftFormat, () => string> = {
    json: () => jsonReport(report),
    markdown: () => markdownReport(report),
    junit: () => junitReport(report),
    text: () => textReport(report, options.tty),
  };
  const rendered = renderers[options.format]();
  io.out(rendered);
  return exitCodeOf(report);
}

/** The flag that gives each field of the audit role, for messages. */
const ROLE_FLAGS = { roleArn: "--assume-role", externalId: "--external-id", sessionName: "--session-name" } as const;

/**
 * The role of `--assume-role` with its `--external-id` and `--session-name`, checked by the same
 * rules as a resource's assumeRole (aws/access.ts); the problems otherwise, named by flag.
 */
function auditRole(options: DriftCommandOptions): { assumeRole?: AssumeRole } | { problems: string[] } {
  if (options.assumeRole === undefined) {
    const orphans = (["externalId", "sessionName"] as const).filter((f) => options[f] !== undefined);
    if (orphans.length === 0) return {};
    return {
      problems: orphans.map(
        (f) => `${ROLE_FLAGS[f]} goes with --assume-role: a resource's recorded role keeps its own; give --assume-role ARN too`,
      ),
    };
  }
  const value = {
    roleArn: options.assumeRole,
    ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
    ...(options.sessionName !== undefined ? { sessionName: options.sessionName } : {}),
  };
  const checked = checkAssumeRole(value, "assumeRole");
  if (checked.value) return { assumeRole: checked.value };
  // checkAssumeRole names fields (`assumeRole.externalId`); the user typed flags.
  const byFlag = (problem: string) =>
    (Object.keys(ROLE_FLAGS) as Array<keyof typeof ROLE_FLAGS>).reduce(
      (text, field) => text.replace(`assumeRole.${field}`, ROLE_FLAGS[field]),
      problem.replace(/: give the role's ARN, e\.g\. "[^"]+"$/, `: give one such as arn:aws:iam::${ACCOUNT_PLACEHOLDER}:role/kms-audit`),
    );
  return { problems: checked.problems.map(byFlag) };
}

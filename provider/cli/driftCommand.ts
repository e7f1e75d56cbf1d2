import { Access, ROLE_ARN } from "../aws/access";
import { GrantApi } from "../aws/grants";
import { kmsClient } from "../aws/client";
import { KeyApi } from "../aws/keys";
import { DEFAULT_CONCURRENCY, checkDrift } from "../drift/check";
import { exitCodeOf, jsonReport, junitReport, markdownReport, textReport } from "../drift/report";
import { parseStackExport } from "../drift/stackExport";
import { EXIT, readInput } from "./io";
import { Output } from "./policyCommands";

export type DriftFormat = "text" | "markdown" | "json" | "junit";
export const DRIFT_FORMATS: readonly DriftFormat[] = ["text", "markdown", "json", "junit"];

export interface DriftCommandOptions {
  format: DriftFormat;
  concurrency?: number;
  unmanagedGrants: boolean;
  grantListingDelaySeconds?: number;
  region?: string;
  /** `--assume-role ARN`: this role instead of each resource's recorded one (e.g. from a central audit account). */
  assumeRole?: string;
  /** Colour and a progress line: only on a terminal. */
  tty: boolean;
}

/** `kms-policy drift EXPORT`: exit 0 in sync, 1 drift, 2 error. */
export async function driftCommand(file: string, io: Output, options: DriftCommandOptions): Promise<number> {
  if (options.assumeRole !== undefined && !ROLE_ARN.test(options.assumeRole)) {
    io.err(
      `kms-policy drift: --assume-role "${options.assumeRole}" is not an IAM role ARN: give one such as arn:aws:iam::111122223333:role/kms-audit`,
    );
    return EXIT.invalid;
  }
  let resources;
  try {
    resources = parseStackExport(readInput(file));
  } catch (err) {
    io.err(`kms-policy drift: ${(err as Error).message}`);
    return EXIT.invalid;
  }
  // checkDrift resolves each key's Region (ARN, recorded region, --region) and Access.
  const clients = {
    keys: (_keyArn: string, region?: string, access?: Access) => new KeyApi(kmsClient({ region, access })),
    grants: (_keyArn: string, region?: string, access?: Access) => new GrantApi(kmsClient({ region, access })),
  };
  const showProgress = options.tty && resources.length > 20;
  const report = await checkDrift(resources, clients, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    unmanagedGrants: options.unmanagedGrants,
    grantListingDelaySeconds: options.grantListingDelaySeconds,
    region: options.region,
    ...(options.assumeRole ? { access: { assumeRole: { roleArn: options.assumeRole } } } : {}),
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

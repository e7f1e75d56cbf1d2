import { GrantApi } from "../aws/grants";
import { kmsClient } from "../aws/client";
import { KeyApi } from "../aws/keys";
import { parseKeyRef } from "../aws/keyRef";
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
  /** Colour and a progress line: only on a terminal. */
  tty: boolean;
}

/** `kms-policy drift EXPORT`: exit 0 in sync, 1 drift, 2 error. */
export async function driftCommand(file: string, io: Output, options: DriftCommandOptions): Promise<number> {
  let resources;
  try {
    resources = parseStackExport(readInput(file));
  } catch (err) {
    io.err(`kms-policy drift: ${(err as Error).message}`);
    return EXIT.invalid;
  }
  const regionOf = (keyArn: string, region?: string) => {
    const ref = parseKeyRef(keyArn);
    return region ?? ("error" in ref ? undefined : ref.region) ?? options.region;
  };
  const clients = {
    keys: (keyArn: string, region?: string) => new KeyApi(kmsClient({ region: regionOf(keyArn, region) })),
    grants: (keyArn: string, region?: string) => new GrantApi(kmsClient({ region: regionOf(keyArn, region) })),
  };
  const showProgress = options.tty && resources.length > 20;
  const report = await checkDrift(resources, clients, {
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    unmanagedGrants: options.unmanagedGrants,
    grantListingDelaySeconds: options.grantListingDelaySeconds,
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

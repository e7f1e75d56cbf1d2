import * as pulumi from "@pulumi/pulumi";
import { parseKeyRef } from "../aws/keyRef";
import { atLeast, lintPolicy, parseSuppressions } from "../policy";
import { PolicyDocument } from "../policy/types";
import { STACK_SETTINGS } from "../runtime/settings";

/** A stack setting's raw text, as the program sees it (`kms-policy:failOn` -> namespace and name). */
function stackSetting(key: string): string | undefined {
  const colon = key.indexOf(":");
  return new pulumi.Config(key.slice(0, colon)).get(key.slice(colon + 1));
}

/** How a finding names its resource's kind, and a path in what was linted (with the property). */
export interface LintSubject {
  kind: string;
  path(path: string): string;
}

/**
 * Prints the lint findings that do not fail the preview as warnings on the resource, so that
 * Diagnostics names it. The provider's check fails on the others (kms-policy:failOn and up); it
 * cannot do this part, because a dynamic provider's check is not told the resource's name. Both
 * read the settings through the one table, STACK_SETTINGS. `keyAccount` is the account a key given
 * by bare id is in, when the program knows it (the account of the role in use); a key ARN's wins.
 */
export function warnLintFindings(
  resource: pulumi.Resource,
  name: string,
  policy: string | PolicyDocument,
  keyId: string,
  keyAccount?: string,
  subject: LintSubject = { kind: "KeyPolicy", path: (path) => `policy ${path || "(document)"}` },
): void {
  const { failOn: failOnRow, lintIgnore: ignoreRow } = STACK_SETTINGS;
  const failOnText = stackSetting(failOnRow.key);
  const failOn = (failOnText === undefined ? undefined : failOnRow.parse(failOnText)) ?? failOnRow.default;
  if (failOnText !== undefined && failOnText !== failOn) {
    pulumi.log.warn(
      `${failOnRow.key} "${failOnText}" is not one of ${failOnRow.accepts}; using "${failOn}". Fix: pulumi config set ${failOnRow.key} warning`,
      resource,
    );
  }
  const ignoreText = stackSetting(ignoreRow.key);
  // The provider's check fails on these (STACK_SETTINGS' problem); the program names the resource too.
  const { suppressions, problems } = parseSuppressions(ignoreText);
  if (problems.length > 0) pulumi.log.warn(`${ignoreRow.key}: ${problems.join("; ")}; those entries suppress nothing`, resource);
  const ref = parseKeyRef(keyId);
  const account = ("error" in ref ? undefined : ref.account) ?? keyAccount;
  for (const f of lintPolicy(policy, { ignore: suppressions, account })) {
    if (f.severity === "error" || atLeast(f.severity, failOn)) continue;
    pulumi.log.warn(
      `${subject.kind} "${name}": ${subject.path(f.path)}: ${f.message} [${f.rule}, ${f.severity}]. Fix: ${f.hint}`,
      resource,
    );
  }
}

import * as pulumi from "@pulumi/pulumi";
import { parseKeyRef } from "../aws/keyRef";
import { SEVERITIES, Severity, atLeast, lintPolicy, parseSuppressions } from "../policy";
import { PolicyDocument } from "../policy/types";

const FAIL_ON_CHOICES: readonly Severity[] = SEVERITIES.filter((s) => s !== "suggestion");

/**
 * Prints the lint findings that do not fail the preview as warnings on the resource, so that
 * Diagnostics names it. The provider's check fails on the others (kms-policy:failOn and up); it
 * cannot do this part, because a dynamic provider's check is not told the resource's name.
 */
export function warnLintFindings(resource: pulumi.Resource, name: string, policy: string | PolicyDocument, keyId: string): void {
  const config = new pulumi.Config("kms-policy");
  const failOnSetting = config.get("failOn") ?? "error";
  const failOn = FAIL_ON_CHOICES.includes(failOnSetting as Severity) ? (failOnSetting as Severity) : "error";
  if (failOn !== failOnSetting) {
    pulumi.log.warn(
      `kms-policy:failOn "${failOnSetting}" is not one of ${FAIL_ON_CHOICES.join(", ")}; using "error". Fix: pulumi config set kms-policy:failOn warning`,
      resource,
    );
  }
  const { suppressions, invalid } = parseSuppressions(config.get("ignore"));
  if (invalid.length > 0) {
    pulumi.log.warn(
      `kms-policy:ignore entries ${invalid.map((i) => `"${i}"`).join(", ")} are not "Sid:rule" pairs and were skipped. Fix: write e.g. "PublicRead:public-access"`,
      resource,
    );
  }
  const ref = parseKeyRef(keyId);
  const account = "error" in ref ? undefined : ref.account;
  for (const f of lintPolicy(policy, { ignore: suppressions, account })) {
    if (f.severity === "error" || atLeast(f.severity, failOn)) continue;
    pulumi.log.warn(
      `KeyPolicy "${name}": policy ${f.path || "(document)"}: ${f.message} [${f.rule}, ${f.severity}]. Fix: ${f.hint}`,
      resource,
    );
  }
}

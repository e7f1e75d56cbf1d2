import * as pulumi from "@pulumi/pulumi";

const OUTSIDE_A_RUN = {};

/**
 * A registry of the program's resources per run, for checks across resources (two KeyPolicies of
 * one key, two Grants of one name): a run is its Stack resource, so two runs in one process
 * (Automation API) never see each other's resources. Key the entries by URN: two resources of one
 * name under different parents are two resources.
 */
export function perRunRegistry<T>(): () => Map<string, T> {
  const byRun = new WeakMap<object, Map<string, T>>();
  return () => {
    const run = pulumi.runtime.getStackResource() ?? OUTSIDE_A_RUN;
    let entries = byRun.get(run);
    if (!entries) byRun.set(run, (entries = new Map()));
    return entries;
  };
}

/**
 * Access checks, offline: who can do what under a key policy (accessOf), and proofs that a change
 * grants no new access (checkNoNewAccess) or that a policy grants none of some actions
 * (checkAccessNotGranted). The model and its limits: docs/access-checks.md.
 */
export { checkNoNewAccess, checkAccessNotGranted } from "./check";
export { accessOf, AccessOfOptions } from "./matrix";
export { evaluateRequest } from "./evaluate";
export * from "./model";

/**
 * The shape of a resource's field table (one per resource, beside this module): each field once,
 * with who sets it, whether a change replaces the resource, whether it is secret, where check
 * validates it, whether `kms-policy drift` reads it from a stack export, and its doc text. The
 * resource classes, the lifecycles, the stack-export reader and the docs pages derive from the
 * tables or are checked against them (a key-set assertion where each interface lives, so a field
 * added to an interface and not to its table, or the other way round, fails to compile).
 *
 * Pure and loads nothing: the resources (which must not load the AWS SDK for it), the runtime and
 * the drift check all import it.
 */

export interface FieldSpec {
  /**
   * Who gives it: "program" (the resource's Args; check keeps it in the inputs), "check" (check
   * derives it from other inputs, e.g. a statement's Sid); absent: the provider sets it.
   */
  readonly input?: "program" | "check";
  /**
   * "declared": an output property of the resource class, which programs read; "state": kept in
   * the state only (the provider's bookkeeping). Absent: an input not reported back as an output.
   */
  readonly output?: "declared" | "state";
  /** A change of it replaces the resource (diff's `replaces`). */
  readonly replaces?: true;
  /** A Pulumi secret in the state and the outputs. */
  readonly secret?: true;
  /** Another name of `aliasOf`: check folds it into that field, so the state never holds it. */
  readonly aliasOf?: string;
  /** Used only by the create: kept in the state's inputs, never read back by refresh. */
  readonly createOnly?: true;
  /** Where check validates it (module and function), or why it is not validated. */
  readonly check?: string;
  /** Read from a stack export by `kms-policy drift`; a string: the name the drift check gives it. */
  readonly drift?: true | string;
  /** What it is, for the docs and the doc comments. */
  readonly doc: string;
}

export type FieldTable = Readonly<Record<string, FieldSpec>>;

/**
 * As a user sees the field: "input" (the program gives it), "output" (the program reads it),
 * "both", or "state" (neither: the provider's bookkeeping).
 */
export function roleOf(spec: FieldSpec): "input" | "output" | "both" | "state" {
  if (spec.output === "state") return "state";
  if (spec.input === "program") return spec.output === "declared" ? "both" : "input";
  return "output";
}

type Keys<T extends FieldTable, Where> = { [K in keyof T]: T[K] extends Where ? K : never }[keyof T] & string;

/** The fields the program gives: the keys of the resource's Args. */
export type ProgramInputs<T extends FieldTable> = Keys<T, { input: "program" }>;
/** The output properties the resource class declares. */
export type DeclaredOutputs<T extends FieldTable> = Keys<T, { output: "declared" }>;
/** The inputs after check (what refresh gives back as inputs): every input but the aliases check folds. */
export type CheckedInputs<T extends FieldTable> = Exclude<Keys<T, { input: "program" | "check" }>, Keys<T, { aliasOf: string }>>;
/** What the state's outputs hold: the checked inputs and every field the provider sets. */
export type StateFields<T extends FieldTable> = CheckedInputs<T> | Keys<T, { output: "declared" | "state" }>;
/** The fields whose change replaces the resource. */
export type ReplacingFields<T extends FieldTable> = Keys<T, { replaces: true }>;
/** The fields `kms-policy drift` reads from a stack export. */
export type DriftFields<T extends FieldTable> = Keys<T, { drift: true | string }>;

/** The names the drift check gives the fields it reads (a field's own, unless the table renames it). */
export type DriftNames<T extends FieldTable> = {
  [K in DriftFields<T>]: T[K]["drift"] extends string ? T[K]["drift"] : K;
}[DriftFields<T>];

/**
 * `true` only when A and B are the same set of names; otherwise a type that names the strays.
 */
export type SameKeys<A extends string, B extends string> = [Exclude<A, B>, Exclude<B, A>] extends [never, never]
  ? true
  : { "in the interface, not the table": Exclude<A, B>; "in the table, not the interface": Exclude<B, A> };

/**
 * Compiles only when A and B are the same set of names: `sameFields<keyof Args, ProgramInputs<T>>(true)`
 * beside an interface makes the compiler name each field the interface and its table do not share.
 */
export function sameFields<A extends string, B extends string>(_same: SameKeys<A, B>): void {}

/** The table's field names whose spec passes `test`, in table order. */
export function fieldsWhere<T extends FieldTable>(table: T, test: (spec: FieldSpec) => boolean): Array<keyof T & string> {
  return Object.keys(table).filter((name) => test(table[name]));
}

/**
 * The inputs a refresh gives back from the state's outputs: the outputs without the fields the
 * provider sets and without create-only ones. Anything else the state holds (an older version's
 * field) passes through, as it always has. `I` is the caller's inputs type, which the caller's
 * `sameFields` checks keep equal to the table's.
 */
export function inputsFromState<T extends FieldTable, S extends object, I>(table: T, outs: S): I {
  const dropped = new Set<string>(fieldsWhere(table, (spec) => spec.input === undefined || spec.createOnly === true));
  return Object.fromEntries(Object.entries(outs).filter(([key]) => !dropped.has(key))) as I;
}

/**
 * The fields `kms-policy drift` reads from one resource's exported outputs, by the drift check's
 * names: each as `read` gives it (undefined when absent or secret).
 */
export function driftFieldsOf<T extends FieldTable>(
  table: T,
  outputs: Record<string, unknown>,
  read: (v: unknown) => unknown,
): Record<string, unknown> {
  return Object.fromEntries(
    fieldsWhere(table, (spec) => spec.drift !== undefined).map((name) => {
      const as = table[name].drift;
      return [typeof as === "string" ? as : name, read(outputs[name])];
    }),
  );
}

/**
 * The props a resource class passes so that each field the provider reports is an output property
 * of the resource, also when no input sets it: each undefined (the program sends no value for it).
 */
export function outputSlots<T extends FieldTable>(table: T): Record<string, undefined> {
  return Object.fromEntries(fieldsWhere(table, (spec) => spec.output !== undefined).map((name) => [name, undefined]));
}

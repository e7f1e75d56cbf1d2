/**
 * The shape of a resource's field table (one per resource, beside this module): each field once,
 * with who sets it, whether the program must give it, whether a change replaces the resource,
 * whether it is secret, where check validates it, and whether `kms-policy drift` reads it from a
 * stack export. Each field's doc comment is on its property in the table: the resource's Args and
 * output properties are mapped from the table (resources/fieldTypes.ts), so editors show that
 * comment on them. The resource classes, the lifecycles' refreshed inputs, the stack-export reader
 * and the docs pages derive from the tables or are checked against them.
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
  /** The program must give it (a required property of the Args). */
  readonly required?: true;
  /**
   * "declared": an output property of the resource class, which programs read; "state": kept in
   * the state only (the provider's bookkeeping, no property of the class). Absent: an input not
   * reported back as an output.
   */
  readonly output?: "declared" | "state";
  /** A change of it replaces the resource (diff's `replaces`). */
  readonly replaces?: true;
  /**
   * A Pulumi secret wherever the state holds it: the resource class sends it as a secret input
   * (the state keeps the inputs) and lists it in `additionalSecretOutputs`.
   */
  readonly secret?: true;
  /** Another name of `aliasOf`: check folds it into that field, so the state never holds it. */
  readonly aliasOf?: string;
  /** Used only by the create: kept in the state's inputs, never read back by refresh. */
  readonly createOnly?: true;
  /** Where check validates it (module and function), or why it is not validated. */
  readonly check?: string;
  /**
   * For a program input whose whole rule is its JSON type: check validates the type, fills the
   * default and keeps the value with no code of its own (runtime/check.ts plainInputs), so a field
   * of this kind is added by its table row alone. Fields with rules of their own leave it out.
   */
  readonly plain?: PlainSpec;
  /**
   * What `kms-policy drift` reads of it from a stack export: `true`, the field under its own name;
   * `{ as }`, under another name; `{ fallbackOf }`, only when the export lacks that other field
   * (a state written before it was recorded), to make it up.
   */
  readonly drift?: true | { readonly as: string } | { readonly fallbackOf: string };
}

/** A plain input's JSON type ("strings": a list of strings), and its value when the program gives none. */
export type PlainSpec =
  | { readonly type: "boolean"; readonly default?: boolean }
  | { readonly type: "string"; readonly default?: string }
  | { readonly type: "strings"; readonly default?: readonly string[] };

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
type PlainValue<P> = P extends { type: "boolean" } ? boolean : P extends { type: "string" } ? string : string[];
/** What check keeps of the plain inputs: each of its type, present when it has a default. */
export type PlainInputs<T extends FieldTable> = {
  [K in keyof T as T[K] extends { input: "program"; plain: { default: unknown } } ? K : never]: PlainValue<T[K]["plain"]>;
} & {
  [
    K in keyof T as T[K] extends { input: "program"; plain: object } ? (T[K] extends { plain: { default: unknown } } ? never : K) : never
  ]?: PlainValue<T[K]["plain"]>;
};
/** The output properties the resource class declares. */
export type DeclaredOutputs<T extends FieldTable> = Keys<T, { output: "declared" }>;
/** The inputs after check: every input but the aliases check folds. */
export type CheckedInputs<T extends FieldTable> = Exclude<Keys<T, { input: "program" | "check" }>, Keys<T, { aliasOf: string }>>;
/** The inputs a refresh gives back: the checked inputs but the create-only ones. */
export type RefreshedInputs<T extends FieldTable> = Exclude<CheckedInputs<T>, Keys<T, { createOnly: true }>>;
/** What the state's outputs hold: the checked inputs and every field the provider sets. */
export type StateFields<T extends FieldTable> = CheckedInputs<T> | Keys<T, { output: "declared" | "state" }>;
/** The fields whose change replaces the resource. */
export type ReplacingFields<T extends FieldTable> = Keys<T, { replaces: true }>;
/** The fields a `kms-policy drift` reads under their own name. */
type DriftAsIs<T extends FieldTable> = Keys<T, { drift: true }>;
/** The fields it reads under another name, by that name. */
type DriftRenamed<T extends FieldTable> = {
  [K in keyof T]: T[K] extends { drift: { as: infer As extends string } } ? As : never;
}[keyof T];

/** The names the drift check gives the fields it reads (a field's own, unless the table renames it); fallbacks are not among them. */
export type DriftNames<T extends FieldTable> = DriftAsIs<T> | DriftRenamed<T>;

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

/** Whether refresh gives the field back as an input (RefreshedInputs says the same to the compiler). */
const refreshed = (spec: FieldSpec): boolean => spec.input !== undefined && spec.aliasOf === undefined && spec.createOnly !== true;

/**
 * The inputs a refresh gives back from the state's outputs `outs`: RefreshedInputs, with no field
 * the provider sets, no create-only and no alias. Anything else the state holds (an older version's
 * field, unknown to the table) passes through, as it always has.
 */
export function inputsFromState<T extends FieldTable, S extends object>(
  table: T,
  outs: S,
): Omit<S, Exclude<keyof T & string, RefreshedInputs<T>>> {
  const dropped = new Set<string>(fieldsWhere(table, (spec) => !refreshed(spec)));
  return Object.fromEntries(Object.entries(outs).filter(([key]) => !dropped.has(key))) as Omit<
    S,
    Exclude<keyof T & string, RefreshedInputs<T>>
  >;
}

/**
 * The fields `kms-policy drift` reads from one resource's exported outputs as they are or renamed
 * (fallbacks are the reader's to apply), by the drift check's names: each as `read` gives it
 * (undefined when absent or secret).
 */
export function driftFieldsOf<T extends FieldTable>(
  table: T,
  outputs: Record<string, unknown>,
  read: (v: unknown) => unknown,
): Partial<Record<DriftNames<T>, unknown>> {
  const entries: Array<[string, unknown]> = [];
  for (const name of Object.keys(table)) {
    const drift = table[name].drift;
    if (drift === true) entries.push([name, read(outputs[name])]);
    else if (drift !== undefined && "as" in drift) entries.push([drift.as, read(outputs[name])]);
  }
  return Object.fromEntries(entries) as Partial<Record<DriftNames<T>, unknown>>;
}

/** The fields a `kms-policy drift` reads only when the export lacks `field` (see FieldSpec.drift). */
export function driftFallbacksOf<T extends FieldTable>(table: T, field: string): Array<keyof T & string> {
  return fieldsWhere(table, (spec) => typeof spec.drift === "object" && "fallbackOf" in spec.drift && spec.drift.fallbackOf === field);
}

/**
 * The props a resource class passes so that each output property it declares is registered, also
 * when no input sets it: each undefined (the program sends no value for it). Fields kept in the
 * state only get none: each registered property costs the SDK work per resource (docs/benchmarks.md).
 */
export function outputSlots<T extends FieldTable>(table: T): Record<DeclaredOutputs<T>, undefined> {
  return Object.fromEntries(fieldsWhere(table, (spec) => spec.output === "declared").map((name) => [name, undefined])) as Record<
    DeclaredOutputs<T>,
    undefined
  >;
}

/** The program inputs the table marks secret: the resource class sends them as secrets. */
export function secretInputs<T extends FieldTable>(table: T): Array<ProgramInputs<T>> {
  return fieldsWhere(table, (spec) => spec.input === "program" && spec.secret === true) as Array<ProgramInputs<T>>;
}

import * as pulumi from "@pulumi/pulumi";
import { FieldTable, ProgramInputs, secretInputs } from "../fields/table";

/**
 * The resource classes' public types, mapped from their field tables (provider/fields). The maps
 * are homomorphic over the table, so an editor shows each table property's doc comment on the
 * Args property and on the output property alike. The value types come from the provider's state
 * type `S` (what the provider keeps and reports): a field added to the table and to the state is an
 * Args property and an output property with nothing else to write.
 */

/** A program's value of `T`: each part of it may be an Input (a pulumi.Output, a promise) too. */
export type InputOf<T> = T extends string | number | boolean | undefined | null
  ? T
  : T extends ReadonlyArray<infer E>
    ? Array<pulumi.Input<InputOf<E>>>
    : { [P in keyof T]: pulumi.Input<InputOf<T[P]>> };

/** The state's name of field K: an alias is stored under the field it names. */
type StateName<T extends FieldTable, K extends keyof T> = T[K] extends { aliasOf: infer A extends string } ? A : K;

type ArgOf<T extends FieldTable, S, K extends keyof T, Given> = K extends keyof Given
  ? Given[K]
  : pulumi.Input<InputOf<NonNullable<S[StateName<T, K> & keyof S]>>>;

/**
 * The resource's Args: each field the table gives `input: "program"`, required when it says
 * `required`. `Given` spells out the fields whose program form is not their state's (a list form
 * check folds, an Args interface users name): only those.
 */
export type ArgsOf<T extends FieldTable, S, Given extends Partial<Record<ProgramInputs<T>, unknown>> = object> = {
  [K in keyof T as T[K] extends { input: "program"; required: true } ? K : never]-?: ArgOf<T, S, K, Given>;
} & {
  [K in keyof T as T[K] extends { input: "program" } ? (T[K] extends { required: true } ? never : K) : never]?: ArgOf<T, S, K, Given>;
};

/**
 * The resource class's output properties: each field the table declares, typed as the state `S`
 * holds it. Merged into the class (`interface C extends OutputsOf<...> {}` beside `class C`), since
 * the dynamic provider, not the class, sets them.
 */
export type OutputsOf<T extends FieldTable, S> = {
  readonly [K in keyof T as T[K] extends { output: "declared" } ? K : never]-?: pulumi.Output<S[K & keyof S]>;
};

/**
 * `props` with each program input the table marks secret sent as a Pulumi secret (the state keeps
 * the inputs, and additionalSecretOutputs covers outputs only); an absent one stays absent.
 */
export function withSecretInputs<T extends FieldTable, P extends Record<string, unknown>>(table: T, props: P): P {
  const wrapped: Record<string, unknown> = { ...props };
  for (const name of secretInputs(table)) if (wrapped[name] !== undefined) wrapped[name] = pulumi.secret(wrapped[name]);
  return wrapped as P;
}

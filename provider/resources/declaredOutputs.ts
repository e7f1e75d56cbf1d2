import * as pulumi from "@pulumi/pulumi";

/**
 * The output properties a resource class declares (its pulumi.Output members), without the
 * engine's own `id` and `urn`: what each class's field table (provider/fields) is checked against.
 */
export type DeclaredOutputProperties<C> = Exclude<
  { [K in keyof C]-?: C[K] extends pulumi.Output<unknown> ? K : never }[keyof C],
  "id" | "urn"
> &
  string;

/** Three-valued truth: the checks know a fact holds, know it does not, or cannot tell. */
export const NO = 0;
export const MAYBE = 1;
export const YES = 2;
export type Tri = typeof NO | typeof MAYBE | typeof YES;

export const and = (a: Tri, b: Tri): Tri => (a < b ? a : b);
export const or = (a: Tri, b: Tri): Tri => (a > b ? a : b);
export const not = (a: Tri): Tri => (2 - a) as Tri;

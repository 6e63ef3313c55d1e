export type TypedArray = Int32Array | Uint8Array | Float64Array;

/** Growth of the lists that keep a number per path or entry: half again, so a copy costs a third of what it keeps. */
export const GROWTH = 1.5;

/** `a` if it holds `need` elements, else a copy of it of the same kind with room for at least that many. */
export function withRoom<T extends TypedArray>(a: T, need: number): T {
  if (need <= a.length) return a;
  const out = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * GROWTH) + 16));
  out.set(a);
  return out;
}

/** A copy of the first `count` elements, to give back spare room once a list is complete. */
export function trimmed<T extends TypedArray>(a: T, count: number): T {
  return count < a.length ? (a.slice(0, count) as T) : a;
}

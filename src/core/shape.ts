// Shape utilities: sizes, strides, NumPy broadcasting and axis normalization.

export type Shape = readonly number[];

export function prod(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function shapeEq(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export const shapeStr = (s: Shape): string => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

/** NumPy broadcasting of several shapes; raises JAX's error naming the shapes. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = nd - s.length + i;
      const d = s[i]!;
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new TypeError(`Incompatible shapes for broadcasting: shapes=[${shapes.map(shapeStr).join(", ")}]`);
      }
    }
  }
  return out;
}

/** Normalizes a possibly negative axis for an array of rank `ndim`, with NumPy's error. */
export function normalizeAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`axis ${axis} is out of bounds for array of dimension ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

export function checkShape(shape: readonly number[], what = "shape"): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(`${what} must contain only non-negative integers, got ${shapeStr(shape)}`);
    }
  }
  return [...shape];
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function unravel(flat: number, strides: readonly number[]): number[] {
  const idx = new Array<number>(strides.length);
  for (let i = 0; i < strides.length; i++) {
    const s = strides[i]!;
    idx[i] = Math.floor(flat / s);
    flat -= idx[i]! * s;
  }
  return idx;
}

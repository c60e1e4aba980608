/**
 * Threefry-2x32 block cipher (Random123, 20 rounds): the hash under JAX's
 * default PRNG. Pure TypeScript over Uint32Arrays, with no dependency; the core
 * wraps it in the `threefry2x32` primitive (jit, vmap and lowering rules).
 *
 * Every word stays a uint32: additions wrap with `>>> 0`, rotations are
 * `(x << r) | (x >>> (32 - r))`. Key schedule: ks = [k0, k1, k0 ^ k1 ^
 * 0x1BD11BDA]; inject ks[0], ks[1]; then 5 groups of 4 MIX rounds (rotations
 * 13,15,26,6 / 17,29,16,24 alternating), each followed by injecting
 * ks[(i+1)%3], ks[(i+2)%3] + (i+1).
 */

const ROTATIONS: readonly (readonly number[])[] = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
];

const SKEIN_PARITY = 0x1bd11bda;

/**
 * Hash counters (x0[i], x1[i]) under the key (k0, k1). x0 and x1 must have the
 * same length; returns the two output words as new arrays of that length.
 */
export function threefry2x32(
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
): [Uint32Array, Uint32Array] {
  if (x0.length !== x1.length) {
    throw new Error(`threefry2x32: counter arrays differ in length (${x0.length} vs ${x1.length})`);
  }
  const ks0 = k0 >>> 0;
  const ks1 = k1 >>> 0;
  const ks = [ks0, ks1, (ks0 ^ ks1 ^ SKEIN_PARITY) >>> 0];
  const n = x0.length;
  const y0 = new Uint32Array(n);
  const y1 = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    let a = (x0[j]! + ks[0]!) >>> 0;
    let b = (x1[j]! + ks[1]!) >>> 0;
    for (let i = 0; i < 5; i++) {
      const rot = ROTATIONS[i & 1]!;
      for (let r = 0; r < 4; r++) {
        const s = rot[r]!;
        a = (a + b) >>> 0;
        b = ((b << s) | (b >>> (32 - s))) ^ a;
      }
      a = (a + ks[(i + 1) % 3]!) >>> 0;
      b = (b + ks[(i + 2) % 3]! + i + 1) >>> 0;
    }
    y0[j] = a;
    y1[j] = b;
  }
  return [y0, y1];
}

/**
 * Elementwise form: hash counters (x0[i], x1[i]) under per-element keys
 * (k0[i], k1[i]). All four arrays have the same length (the primitive's
 * reference kernel; its operands are already broadcast to one shape).
 */
export function threefry2x32Elementwise(
  k0: ArrayLike<number>,
  k1: ArrayLike<number>,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
): [Uint32Array, Uint32Array] {
  const n = x0.length;
  if (k0.length !== n || k1.length !== n || x1.length !== n) {
    throw new Error(`threefry2x32: operands differ in length (${k0.length}, ${k1.length}, ${n}, ${x1.length})`);
  }
  const y0 = new Uint32Array(n);
  const y1 = new Uint32Array(n);
  const one0 = new Uint32Array(1);
  const one1 = new Uint32Array(1);
  for (let j = 0; j < n; j++) {
    one0[0] = x0[j]!;
    one1[0] = x1[j]!;
    const [a, b] = threefry2x32(k0[j]!, k1[j]!, one0, one1);
    y0[j] = a[0]!;
    y1[j] = b[0]!;
  }
  return [y0, y1];
}

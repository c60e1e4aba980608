// jnp.fft: NumPy's discrete Fourier transforms over jaxts's packed complex layout. jaxts has no
// complex dtype: a complex array of logical shape S is a float32/float64 array of shape [...S, 2]
// holding (re, im). Every transform returns that packed form (irfft* return real arrays). Inputs:
// fft/ifft/fftn/ifftn/fft2/ifft2 take a real array, or a packed one with `{ complex: true }`;
// rfft* and ihfft take real arrays; irfft* and hfft take packed spectra (or a real array with
// `{ complex: false }`).
// Axes (`axis`, `axes`) always count logical axes, i.e. the (re, im) axis is never one of them.
// Semantics follow jax.numpy.fft: `n`/`s` zero-pad or truncate each transformed axis (for irfft
// the input is cut or padded to n/2+1 bins), norm is "backward" (default), "ortho" or "forward".
import type { ArrayLike, JaxArray } from "../core/array.js";
import { type DType, defaultFloat, isFloat } from "../core/dtypes.js";
import { prod, range } from "../core/shape.js";
import * as lax from "../lax/core.js";
import { pad, slice } from "../lax/shape.js";
import { fft as laxFft, type FftType } from "../lax/fft.js";
import { ValueError, array, asarray, toDType, type DTypeLike } from "./core.js";
import { roll } from "./manipulation.js";
import { canonAxis } from "./util.js";

export type FftNorm = "backward" | "ortho" | "forward";

export interface Fft1Options {
  /** Length of the transformed axis (zero-padded or truncated); default: the input's length. */
  n?: number | null;
  axis?: number;
  norm?: FftNorm | null;
  /** The input carries a trailing (re, im) axis of size 2. */
  complex?: boolean;
}

export interface FftNOptions {
  /** Lengths of the transformed axes (zero-padded or truncated). */
  s?: readonly number[] | null;
  axes?: readonly number[] | null;
  norm?: FftNorm | null;
  complex?: boolean;
}

/** Normalized logical axes; repeats are rejected with JAX's wording. */
function canonAxes(axes: readonly number[], rank: number, fullName: string): number[] {
  const out = axes.map((a) => canonAxis(a, rank));
  if (new Set(out).size !== out.length) throw new ValueError(`${fullName} does not support repeated axes. Got axes [${axes.join(", ")}].`);
  return out;
}

/** Real/packed input as a floating array, the logical shape, and whether it is packed. */
function prepare(name: string, x: ArrayLike, complex: boolean): JaxArray {
  let a = asarray(x);
  if (!isFloat(a.dtype)) a = lax.convertElementType(a, defaultFloat());
  if (complex && (a.ndim === 0 || a.shape[a.ndim - 1] !== 2)) {
    throw new ValueError(`jax.numpy.fft.${name}: with complex: true the input needs a trailing (re, im) axis of size 2, got shape (${a.shape.join(", ")})`);
  }
  return a;
}

/** Real x → packed complex with zero imaginary part. */
function embed(x: JaxArray): JaxArray {
  return pad(lax.reshape(x, [...x.shape, 1]), 0, [...x.shape.map((): [number, number, number] => [0, 0, 0]), [0, 1, 0]]);
}

/** Zero-pads or truncates physical axis `ax` of x to `size`. */
function fitAxis(x: JaxArray, ax: number, size: number): JaxArray {
  const cur = x.shape[ax]!;
  if (size === cur) return x;
  if (size < cur) return slice(x, x.shape.map(() => 0), x.shape.map((d, i) => (i === ax ? size : d)));
  return pad(x, 0, x.shape.map((_, i): [number, number, number] => [0, i === ax ? size - cur : 0, 0]));
}

function normFactor(norm: FftNorm | null | undefined, lengths: readonly number[], inverse: boolean): number {
  const N = prod(lengths);
  switch (norm ?? "backward") {
    case "backward":
      return 1;
    case "ortho":
      return inverse ? Math.sqrt(N) : 1 / Math.sqrt(N);
    case "forward":
      return inverse ? N : 1 / N;
    default:
      throw new ValueError(`Invalid norm value ${String(norm)}; should be "backward", "ortho" or "forward".`);
  }
}

/**
 * The shared core (JAX's _fft_core): fit each axis to s, move the axes last (in the given
 * order; the last one is the half-spectrum axis of rfft/irfft), transform, move them back, scale.
 */
function fftCore(
  name: string,
  fftType: FftType,
  x: ArrayLike,
  s: readonly number[] | null | undefined,
  axesIn: readonly number[] | null | undefined,
  norm: FftNorm | null | undefined,
  complex: boolean,
): JaxArray {
  if (fftType === "RFFT" && complex) throw new TypeError(`jax.numpy.fft.${name} does not support complex input.`);
  let a = prepare(name, x, complex);
  const inverse = name.startsWith("i");
  normFactor(norm, [], inverse); // validates norm before any work
  const rank = a.ndim - (complex ? 1 : 0);
  if (s !== null && s !== undefined && axesIn !== null && axesIn !== undefined && s.length !== axesIn.length) {
    throw new ValueError("Shape and axes have different lengths.");
  }
  const axes0 = axesIn ?? (s ? range(rank).slice(rank - s.length) : range(rank));
  if (axes0.length === 0) return complex || fftType === "RFFT" || fftType === "IRFFT" ? a : embed(a);
  if (s && s.length > rank) throw new ValueError(`jax.numpy.fft.${name}: s has ${s.length} entries for an input of rank ${rank}`);
  const axes = canonAxes(axes0, rank, `jax.numpy.fft.${name}`);
  const last = axes.length - 1;
  const lengths = axes.map((ax, i) => {
    const n = s ? s[i]! : fftType === "IRFFT" && i === last ? 2 * (a.shape[ax]! - 1) : a.shape[ax]!;
    if (!Number.isInteger(n) || n < 1) throw new ValueError(`Invalid number of FFT data points (${n}) specified.`);
    return n;
  });
  if ((fftType === "FFT" || fftType === "IFFT" || fftType === "IRFFT") && !complex) a = embed(a);
  axes.forEach((ax, i) => {
    const size = fftType === "IRFFT" && i === last ? Math.floor(lengths[i]! / 2) + 1 : lengths[i]!;
    a = fitAxis(a, ax, size);
  });
  const packedIn = fftType !== "RFFT";
  const others = range(rank).filter((d) => !axes.includes(d));
  const perm = [...others, ...axes, ...(packedIn ? [rank] : [])];
  const moved = perm.every((p, i) => p === i) ? a : lax.transpose(a, perm);
  let y = laxFft(moved, fftType, lengths);
  // Logical positions back to the original order (the pair axis, when present, stays last).
  const logicalPerm = [...others, ...axes];
  const inv = range(rank).map((d) => logicalPerm.indexOf(d));
  const packedOut = fftType !== "IRFFT";
  const back = [...inv, ...(packedOut ? [rank] : [])];
  if (!back.every((p, i) => p === i)) y = lax.transpose(y, back);
  const f = normFactor(norm, lengths, inverse);
  return f === 1 ? y : lax.mul(y, lax.scalar(f, y.dtype));
}

function oneAxis(name: string, o: Fft1Options): [number[] | null, number[]] {
  if (Array.isArray(o.axis)) {
    throw new ValueError(`jax.numpy.fft.${name} does not support multiple axes. Please use jax.numpy.fft.${name}n. Got axis = [${o.axis.join(", ")}].`);
  }
  return [o.n === null || o.n === undefined ? null : [o.n], [o.axis ?? -1]];
}

/** jnp.fft.fft(a, { n, axis = -1, norm, complex }): 1-D DFT; returns packed complex [..., 2]. */
export function fft(a: ArrayLike, opts: Fft1Options = {}): JaxArray {
  return fftCore("fft", "FFT", a, ...oneAxis("fft", opts), opts.norm, opts.complex ?? false);
}
/** jnp.fft.ifft(a, { n, axis = -1, norm, complex }): inverse 1-D DFT. */
export function ifft(a: ArrayLike, opts: Fft1Options = {}): JaxArray {
  return fftCore("ifft", "IFFT", a, ...oneAxis("ifft", opts), opts.norm, opts.complex ?? false);
}
/** jnp.fft.rfft(a, { n, axis = -1, norm }): DFT of a real signal, bins 0..n/2 (packed). */
export function rfft(a: ArrayLike, opts: Omit<Fft1Options, "complex"> = {}): JaxArray {
  return fftCore("rfft", "RFFT", a, ...oneAxis("rfft", opts), opts.norm, (opts as Fft1Options).complex ?? false);
}
/** jnp.fft.irfft(a, { n = 2(m-1), axis = -1, norm, complex = true }): real inverse of rfft. */
export function irfft(a: ArrayLike, opts: Fft1Options = {}): JaxArray {
  return fftCore("irfft", "IRFFT", a, ...oneAxis("irfft", opts), opts.norm, opts.complex ?? true);
}

/** Packed complex conjugate: (re, im) → (re, -im). */
function conj(x: JaxArray): JaxArray {
  return lax.mul(x, lax.broadcastInDim(array([1, -1], { dtype: x.dtype }), x.shape, [x.ndim - 1]));
}

/**
 * jnp.fft.hfft(a, { n = 2(m-1), axis = -1, norm, complex = true }): the real spectrum of a
 * signal with Hermitian symmetry, i.e. irfft(conj(a)) scaled by n (JAX's definition).
 */
export function hfft(a: ArrayLike, opts: Fft1Options = {}): JaxArray {
  const complex = opts.complex ?? true;
  const [sz, axes] = oneAxis("hfft", opts);
  let x = prepare("hfft", a, complex);
  x = complex ? conj(x) : x;
  const nn = sz ? sz[0]! : 2 * (x.shape[canonAxis(axes[0]!, x.ndim - (complex ? 1 : 0))]! - 1);
  const y = fftCore("hfft", "IRFFT", x, sz, axes, opts.norm, complex);
  return lax.mul(y, lax.scalar(nn, y.dtype));
}

/** jnp.fft.ihfft(a, { n, axis = -1, norm }): conj(rfft(a)) / n, packed (JAX's definition). */
export function ihfft(a: ArrayLike, opts: Omit<Fft1Options, "complex"> = {}): JaxArray {
  const [sz, axes] = oneAxis("ihfft", opts);
  const x = prepare("ihfft", a, false);
  const nn = sz ? sz[0]! : x.shape[canonAxis(axes[0]!, x.ndim)]!;
  const y = conj(fftCore("ihfft", "RFFT", x, sz, axes, opts.norm, false));
  return lax.mul(y, lax.scalar(1 / nn, y.dtype));
}

/** jnp.fft.fftn(a, { s, axes, norm, complex }): n-D DFT (default: every logical axis). */
export function fftn(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  return fftCore("fftn", "FFT", a, opts.s, opts.axes, opts.norm, opts.complex ?? false);
}
/** jnp.fft.ifftn(a, { s, axes, norm, complex }). */
export function ifftn(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  return fftCore("ifftn", "IFFT", a, opts.s, opts.axes, opts.norm, opts.complex ?? false);
}
/** jnp.fft.rfftn(a, { s, axes, norm }): the last of `axes` is halved. */
export function rfftn(a: ArrayLike, opts: Omit<FftNOptions, "complex"> = {}): JaxArray {
  return fftCore("rfftn", "RFFT", a, opts.s, opts.axes, opts.norm, (opts as FftNOptions).complex ?? false);
}
/** jnp.fft.irfftn(a, { s, axes, norm, complex = true }). */
export function irfftn(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  return fftCore("irfftn", "IRFFT", a, opts.s, opts.axes, opts.norm, opts.complex ?? true);
}

function twoAxes(name: string, o: FftNOptions): FftNOptions {
  const axes = o.axes ?? [-2, -1];
  if (axes.length !== 2) throw new ValueError(`jax.numpy.fft.${name} only supports 2 axes. Got axes = [${axes.join(", ")}].`);
  return { ...o, axes };
}

/** jnp.fft.fft2(a, { s, axes = [-2, -1], norm, complex }). */
export function fft2(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  const o = twoAxes("fft2", opts);
  return fftCore("fft2", "FFT", a, o.s, o.axes, o.norm, o.complex ?? false);
}
/** jnp.fft.ifft2(a, { s, axes = [-2, -1], norm, complex }). */
export function ifft2(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  const o = twoAxes("ifft2", opts);
  return fftCore("ifft2", "IFFT", a, o.s, o.axes, o.norm, o.complex ?? false);
}
/** jnp.fft.rfft2(a, { s, axes = [-2, -1], norm }). */
export function rfft2(a: ArrayLike, opts: Omit<FftNOptions, "complex"> = {}): JaxArray {
  const o = twoAxes("rfft2", opts);
  return fftCore("rfft2", "RFFT", a, o.s, o.axes, o.norm, o.complex ?? false);
}
/** jnp.fft.irfft2(a, { s, axes = [-2, -1], norm, complex = true }). */
export function irfft2(a: ArrayLike, opts: FftNOptions = {}): JaxArray {
  const o = twoAxes("irfft2", opts);
  return fftCore("irfft2", "IRFFT", a, o.s, o.axes, o.norm, o.complex ?? true);
}

function freqs(name: string, n: number, d: number, ks: number[], dtype: DTypeLike | null | undefined): JaxArray {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`jax.numpy.fft.${name}: n should be a non-negative integer, got ${n}`);
  const dt: DType = dtype ? toDType(dtype) : defaultFloat();
  const inv = 1 / (n * d);
  return array(ks.map((k) => k * inv), { dtype: dt });
}

/** jnp.fft.fftfreq(n, d = 1, { dtype }): [0, 1, ..., ⌈n/2⌉-1, -⌊n/2⌋, ..., -1] / (d n). */
export function fftfreq(n: number, d = 1, opts: { dtype?: DTypeLike | null } = {}): JaxArray {
  const ks = range(n).map((k) => (k < Math.floor((n - 1) / 2) + 1 ? k : k - n));
  return freqs("fftfreq", n, d, ks, opts.dtype);
}

/** jnp.fft.rfftfreq(n, d = 1, { dtype }): [0, 1, ..., ⌊n/2⌋] / (d n). */
export function rfftfreq(n: number, d = 1, opts: { dtype?: DTypeLike | null } = {}): JaxArray {
  return freqs("rfftfreq", n, d, range(Math.floor(n / 2) + 1), opts.dtype);
}

export interface ShiftOptions {
  /** Logical axes to shift; default: all of them. */
  axes?: number | readonly number[] | null;
  /** x carries a trailing (re, im) axis, which is never shifted. */
  complex?: boolean;
}

function shift(name: string, x: ArrayLike, opts: ShiftOptions, sign: 1 | -1): JaxArray {
  const a = asarray(x);
  const complex = opts.complex ?? false;
  if (complex && (a.ndim === 0 || a.shape[a.ndim - 1] !== 2)) {
    throw new ValueError(`jax.numpy.fft.${name}: with complex: true the input needs a trailing (re, im) axis of size 2`);
  }
  const rank = a.ndim - (complex ? 1 : 0);
  const ax = opts.axes ?? range(rank);
  const axes = canonAxes(typeof ax === "number" ? [ax] : ax, rank, `jax.numpy.fft.${name}`);
  if (axes.length === 0) return a;
  return roll(a, axes.map((d) => sign * Math.floor(a.shape[d]! / 2)), axes);
}

/** jnp.fft.fftshift(x, { axes, complex }): moves the zero-frequency bin to the centre. */
export const fftshift = (x: ArrayLike, opts: ShiftOptions = {}): JaxArray => shift("fftshift", x, opts, 1);
/** jnp.fft.ifftshift(x, { axes, complex }): the inverse of fftshift. */
export const ifftshift = (x: ArrayLike, opts: ShiftOptions = {}): JaxArray => shift("ifftshift", x, opts, -1);

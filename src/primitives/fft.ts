// The `fft` primitive (JAX's fft_p) over jaxts's packed-complex representation. jaxts has no
// complex dtype, so a complex array of logical shape S is a float32/float64 array of shape
// [...S, 2] holding (re, im) in its trailing axis. The transform runs over the last
// k = fftLengths.length logical axes:
//   FFT   [..., *L, 2]          -> [..., *L, 2]           X_j = Σ_k x_k e^{-2πi jk/n}
//   IFFT  [..., *L, 2]          -> [..., *L, 2]           x_k = (1/N) Σ_j X_j e^{+2πi jk/n}
//   RFFT  [..., *L] (real)      -> [..., *L', n/2+1, 2]   the non-negative-frequency half of FFT
//   IRFFT [..., *L', n/2+1, 2]  -> [..., *L] (real)       inverse of RFFT (Hermitian extension)
// where L = fftLengths, L' = L without its last entry, n = L's last entry, N = prod(L). IRFFT,
// as XLA and pocketfft, ignores the imaginary parts of the DC and (even n) Nyquist bins.
// Unlike XLA, any number of axes may be transformed at once (JAX splits more than 3 in jnp).
// The reference kernel works in float64: iterative radix-2 for powers of two, Bluestein's chirp-z
// (through a power-of-two convolution) for other lengths.
//
// Autodiff: every transform is linear. Cotangents here are the real gradients of the packed
// pairs, (∂f/∂re, ∂f/∂im); JAX's complex cotangents are their conjugates, so each transpose rule
// below is JAX's rule conjugated on both sides: for a complex-linear A the real transpose is Aᴴ.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { prod, shapeEq, shapeStr } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import { arrayFromData } from "../runtime/dispatch.js";
import * as lax from "../lax/core.js";
import { pad, slice } from "../lax/shape.js";
import { moveBatchAxis } from "./util.js";

export type FftType = "FFT" | "IFFT" | "RFFT" | "IRFFT";
export type FftParams = { fftType: FftType; fftLengths: number[] };

const FFT_TYPES: readonly FftType[] = ["FFT", "IFFT", "RFFT", "IRFFT"];

/** A cached 1-D plan: bit-reversal and twiddles for powers of two, chirps for Bluestein. */
interface Plan {
  n: number;
  /** Power-of-two size of the underlying radix-2 transform. */
  m: number;
  rev: Uint32Array;
  /** cos/sin of -2πk/m for k < m/2 (forward twiddles). */
  twRe: Float64Array;
  twIm: Float64Array;
  /** Bluestein: chirp w_k = e^{-πi k²/n} and the FFT of the conjugate chirp filter. */
  chirpRe?: Float64Array;
  chirpIm?: Float64Array;
  filtRe?: Float64Array;
  filtIm?: Float64Array;
}

const plans = new Map<number, Plan>();

function radix2Tables(m: number): Pick<Plan, "m" | "rev" | "twRe" | "twIm"> {
  const bits = Math.round(Math.log2(m));
  const rev = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  const half = m >> 1;
  const twRe = new Float64Array(half);
  const twIm = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    twRe[k] = Math.cos((-2 * Math.PI * k) / m);
    twIm[k] = Math.sin((-2 * Math.PI * k) / m);
  }
  return { m, rev, twRe, twIm };
}

/** In-place forward radix-2 DFT of length p.m (decimation in time). */
function radix2(p: Pick<Plan, "m" | "rev" | "twRe" | "twIm">, re: Float64Array, im: Float64Array): void {
  const { m, rev, twRe, twIm } = p;
  for (let i = 0; i < m; i++) {
    const j = rev[i]!;
    if (j > i) {
      let t = re[i]!; re[i] = re[j]!; re[j] = t;
      t = im[i]!; im[i] = im[j]!; im[j] = t;
    }
  }
  for (let size = 2; size <= m; size <<= 1) {
    const halfSize = size >> 1;
    const step = m / size;
    for (let start = 0; start < m; start += size) {
      for (let k = 0; k < halfSize; k++) {
        const wr = twRe[k * step]!;
        const wi = twIm[k * step]!;
        const a = start + k;
        const b = a + halfSize;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr; im[b] = im[a]! - xi;
        re[a] = re[a]! + xr; im[a] = im[a]! + xi;
      }
    }
  }
}

function planFor(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if ((n & (n - 1)) === 0) {
    p = { n, ...radix2Tables(n) };
  } else {
    // Bluestein: jk = (j² + k² - (j-k)²)/2, so X_j = w_j Σ_k (x_k w_k) conj(w_{j-k}), a linear
    // convolution of length 2n-1 computed by a zero-padded power-of-two cyclic convolution.
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    const t = radix2Tables(m);
    const chirpRe = new Float64Array(n);
    const chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2n keeps the angle small and exact for large k.
      const a = (Math.PI * ((k * k) % (2 * n))) / n;
      chirpRe[k] = Math.cos(a);
      chirpIm[k] = -Math.sin(a);
    }
    const filtRe = new Float64Array(m);
    const filtIm = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      filtRe[k] = chirpRe[k]!;
      filtIm[k] = -chirpIm[k]!;
      if (k > 0) {
        filtRe[m - k] = chirpRe[k]!;
        filtIm[m - k] = -chirpIm[k]!;
      }
    }
    radix2(t, filtRe, filtIm);
    p = { n, ...t, chirpRe, chirpIm, filtRe, filtIm };
  }
  plans.set(n, p);
  return p;
}

/** Unnormalized DFT of (re, im) in place; `inverse` uses e^{+2πi jk/n} (via conjugation). */
function dft1d(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  if (n <= 1) return;
  const p = planFor(n);
  if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i]!;
  if (p.chirpRe === undefined) {
    radix2(p, re, im);
  } else {
    const { m, chirpRe, chirpIm, filtRe, filtIm } = p as Required<Plan>;
    const ar = new Float64Array(m);
    const ai = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      ar[k] = re[k]! * chirpRe[k]! - im[k]! * chirpIm[k]!;
      ai[k] = re[k]! * chirpIm[k]! + im[k]! * chirpRe[k]!;
    }
    radix2(p, ar, ai);
    // Pointwise product with the filter's spectrum, then an inverse transform by conjugation.
    for (let k = 0; k < m; k++) {
      const r = ar[k]! * filtRe[k]! - ai[k]! * filtIm[k]!;
      const i = ar[k]! * filtIm[k]! + ai[k]! * filtRe[k]!;
      ar[k] = r;
      ai[k] = -i;
    }
    radix2(p, ar, ai);
    for (let k = 0; k < n; k++) {
      const cr = ar[k]! / m;
      const ci = -ai[k]! / m;
      re[k] = cr * chirpRe[k]! - ci * chirpIm[k]!;
      im[k] = cr * chirpIm[k]! + ci * chirpRe[k]!;
    }
  }
  if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i]!;
}

/**
 * Applies the unnormalized 1-D DFT along axis `axis` of a complex buffer (split re/im) of
 * logical shape `shape`.
 */
function dftAxis(re: Float64Array, im: Float64Array, shape: readonly number[], axis: number, inverse: boolean): void {
  const n = shape[axis]!;
  const inner = prod(shape.slice(axis + 1));
  const outer = prod(shape.slice(0, axis));
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        br[j] = re[base + j * inner]!;
        bi[j] = im[base + j * inner]!;
      }
      dft1d(br, bi, inverse);
      for (let j = 0; j < n; j++) {
        re[base + j * inner] = br[j]!;
        im[base + j * inner] = bi[j]!;
      }
    }
  }
}

function checkParams(p: FftParams): void {
  if (!FFT_TYPES.includes(p.fftType)) throw new TypeError(`fft: unknown fft_type ${String(p.fftType)}; expected one of ${FFT_TYPES.join(", ")}`);
  if (!Array.isArray(p.fftLengths) || p.fftLengths.length === 0 || !p.fftLengths.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new TypeError(`fft: fft_lengths must be a non-empty list of non-negative integers, got ${JSON.stringify(p.fftLengths)}`);
  }
}

export const fft_p: PrimitiveRules<FftParams> = {
  name: "fft",
  abstractEval([x], params) {
    checkParams(params);
    const { fftType, fftLengths } = params;
    const a = x!;
    if (a.dtype !== "float32" && a.dtype !== "float64") {
      throw new TypeError(`fft does not accept dtype ${a.dtype}. Accepted dtypes are float32 and float64 (complex values are packed as a trailing (re, im) axis).`);
    }
    const k = fftLengths.length;
    const n = fftLengths[k - 1]!;
    const packed = fftType !== "RFFT";
    const lead = a.ndim - k - (packed ? 1 : 0);
    if (lead < 0 || (packed && a.shape[a.ndim - 1] !== 2)) {
      throw new TypeError(`fft: ${fftType} of ${k} dimension(s) needs an operand of rank >= ${k + (packed ? 1 : 0)}${packed ? " whose trailing axis has size 2 (re, im)" : ""}, got shape ${shapeStr(a.shape)}`);
    }
    const axes = a.shape.slice(lead, lead + k);
    const want = fftType === "IRFFT" ? [...fftLengths.slice(0, -1), Math.floor(n / 2) + 1] : fftLengths;
    if (!shapeEq(axes, want)) {
      throw new TypeError(`fft: ${fftType} with fft_lengths ${shapeStr(fftLengths)} needs transformed axes of sizes ${shapeStr(want)}, got operand shape ${shapeStr(a.shape)}`);
    }
    const batch = a.shape.slice(0, lead);
    const out =
      fftType === "RFFT" ? [...batch, ...fftLengths.slice(0, -1), Math.floor(n / 2) + 1, 2]
      : fftType === "IRFFT" ? [...batch, ...fftLengths]
      : [...a.shape];
    return [new ShapedArray(out, a.dtype, a.weakType)];
  },
  jvp([x], [t], params) {
    return [[bind1(fft_p, [x!], params)], [bind1(fft_p, [t!], params)]];
  },
  transpose([ct], _args, params) {
    return [fftTranspose(ct!, params)];
  },
  batch([x], [d], params, size) {
    return [[bind1(fft_p, [moveBatchAxis(x!, d!, 0, size)], params)], [0]];
  },
  impl([x], { fftType, fftLengths }, [outAval]) {
    const k = fftLengths.length;
    const n = fftLengths[k - 1]!;
    const h = Math.floor(n / 2) + 1;
    const N = prod(fftLengths);
    const src = x!.data;
    const out = typedArrayFor(outAval!.dtype, outAval!.size);
    if (fftType === "FFT" || fftType === "IFFT") {
      const inv = fftType === "IFFT";
      const size = src.length / 2;
      const re = new Float64Array(size);
      const im = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        re[i] = Number(src[2 * i]);
        im[i] = Number(src[2 * i + 1]);
      }
      const shape = [size / Math.max(N, 1) || 0, ...fftLengths];
      if (size > 0) for (let a = 1; a <= k; a++) dftAxis(re, im, shape, a, inv);
      const s = inv && N > 0 ? 1 / N : 1;
      for (let i = 0; i < size; i++) {
        out[2 * i] = re[i]! * s;
        out[2 * i + 1] = im[i]! * s;
      }
      return [out];
    }
    const lead = fftLengths.slice(0, -1);
    const rows = prod(lead);
    const batch = outAval!.size / Math.max(fftType === "RFFT" ? rows * h * 2 : N, 1);
    if (fftType === "RFFT") {
      // Full complex transform of the real input, then keep bins 0..n/2 of the last axis.
      const size = src.length;
      const re = Float64Array.from(src as ArrayLike<number>, Number);
      const im = new Float64Array(size);
      const shape = [batch, ...fftLengths];
      if (size > 0) for (let a = 1; a <= k; a++) dftAxis(re, im, shape, a, false);
      const r = batch * rows;
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < h; j++) {
          out[2 * (i * h + j)] = re[i * n + j]!;
          out[2 * (i * h + j) + 1] = im[i * n + j]!;
        }
      }
      return [out];
    }
    // IRFFT: inverse complex transforms over the leading axes on the half spectrum, then each
    // last-axis row is extended Hermitian-ly (X_{n-j} = conj X_j, imaginary parts of the DC and
    // Nyquist bins dropped) and inverse transformed; its real part is the output.
    const hs = src.length / 2;
    const re = new Float64Array(hs);
    const im = new Float64Array(hs);
    for (let i = 0; i < hs; i++) {
      re[i] = Number(src[2 * i]);
      im[i] = Number(src[2 * i + 1]);
    }
    if (hs > 0) for (let a = 1; a < k; a++) dftAxis(re, im, [batch, ...lead, h], a, true);
    const fr = new Float64Array(n);
    const fi = new Float64Array(n);
    const r = batch * rows;
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < n; j++) {
        const src_j = j < h ? j : n - j;
        fr[j] = re[i * h + src_j]!;
        fi[j] = j < h ? im[i * h + j]! : -im[i * h + src_j]!;
      }
      fi[0] = 0;
      if (n % 2 === 0 && n > 0) fi[n / 2] = 0;
      dft1d(fr, fi, true);
      for (let j = 0; j < n; j++) out[i * n + j] = fr[j]! / N;
    }
    return [out];
  },
};

/** Multiplies x by a constant of its own dtype. */
function scale(x: JaxArray, s: number): JaxArray {
  return s === 1 ? x : lax.mul(x, lax.scalar(s, x.dtype, false));
}

/**
 * Real transposes of the four transforms (JAX's rules, conjugated; see the header):
 * - FFT is F, F symmetric, so Fᴴ = conj F = N·IFFT; IFFT = conj(F)/N transposes to FFT/N.
 * - RFFT = slice ∘ F ∘ embed(real): transposes to Re ∘ (N·IFFT) ∘ zero-pad (JAX transposes
 *   its naive RFFT the same way).
 * - IRFFT transposes to mask · RFFT(t) / N, mask = 1 on the DC (and even-n Nyquist) bin and
 *   2 on the others, which appear twice in the Hermitian extension (JAX's _irfft_transpose).
 */
function fftTranspose(ct: JaxArray, params: FftParams): JaxArray {
  const { fftType, fftLengths } = params;
  const N = prod(fftLengths);
  const n = fftLengths[fftLengths.length - 1]!;
  const h = Math.floor(n / 2) + 1;
  switch (fftType) {
    case "FFT":
      return scale(bind1(fft_p, [ct], { fftType: "IFFT", fftLengths }), N);
    case "IFFT":
      return scale(bind1(fft_p, [ct], { fftType: "FFT", fftLengths }), N === 0 ? 1 : 1 / N);
    case "RFFT": {
      const r = ct.ndim;
      const padded = pad(ct, 0, ct.shape.map((_, i): [number, number, number] => [0, i === r - 2 ? n - h : 0, 0]));
      const full = scale(bind1(fft_p, [padded], { fftType: "IFFT", fftLengths }), N);
      const re = slice(full, full.shape.map(() => 0), full.shape.map((s, i) => (i === r - 1 ? 1 : s)));
      return lax.reshape(re, full.shape.slice(0, -1));
    }
    case "IRFFT": {
      const x = bind1(fft_p, [ct], { fftType: "RFFT", fftLengths });
      const mask = typedArrayFor(x.dtype, h);
      for (let j = 0; j < h; j++) mask[j] = (j === 0 || (n % 2 === 0 && j === h - 1) ? 1 : 2) / (N || 1);
      const m = arrayFromData(mask, new ShapedArray([h], x.dtype, false));
      return lax.mul(x, lax.broadcastInDim(m, x.shape, [x.ndim - 2]));
    }
  }
}

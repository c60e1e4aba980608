// lax convolutions: convGeneralDilated and JAX's convenience wrappers (conv,
// convWithGeneralPadding, convTranspose), dimension numbers from strings such as
// ["NHWC", "HWIO", "NHWC"] (convDimensionNumbers), and padding strings ("SAME", "SAME_LOWER",
// "VALID") turned into explicit pads (padtypeToPads), all ending in bind of
// conv_general_dilated.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { type DType, canonicalizeDType, parseDType } from "../core/dtypes.js";
import { ValueError } from "../core/errors.js";
import { shapeStr } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import { type ConvDimensionNumbers, conv_general_dilated_p, dilateDim } from "../primitives/conv.js";
import { asArray, transpose } from "./core.js";
import { rev } from "./shape.js";

export type { ConvDimensionNumbers } from "../primitives/conv.js";

/** Dimension numbers as JAX takes them: null (NC..., OI..., NC...), three strings, or specs. */
export type ConvDimensionNumbersLike = null | undefined | readonly [string, string, string] | ConvDimensionNumbers;

export type PaddingLike = string | readonly (readonly [number, number])[];

/**
 * JAX's padtype_to_pads: "SAME" pads so the output has ⌈in / stride⌉ elements, splitting the
 * padding evenly with the extra element at the end ("SAME_LOWER": at the start); "VALID" pads
 * nothing.
 */
export function padtypeToPads(
  inShape: readonly number[],
  windowShape: readonly number[],
  windowStrides: readonly number[],
  padding: string,
): [number, number][] {
  const p = padding.toUpperCase();
  if (p === "SAME" || p === "SAME_LOWER") {
    return inShape.map((d, i) => {
      const s = windowStrides[i]!;
      const out = Math.ceil(d / s);
      const total = Math.max((out - 1) * s + windowShape[i]! - d, 0);
      const half = Math.floor(total / 2);
      return p === "SAME" ? [half, total - half] : [total - half, half];
    });
  }
  if (p === "VALID") return inShape.map(() => [0, 0]);
  throw new TypeError(`Unknown padding type: ${padding}.`);
}

/**
 * JAX's conv_general_permutations: from ("NCHW", "OIHW", "NCHW")-style strings to specs. The
 * spatial dims of lhs and out are listed in the order their letters appear in the rhs string.
 */
function convGeneralPermutations(dn: readonly [string, string, string]): ConvDimensionNumbers {
  const pairs: [string, string][] = [["N", "C"], ["O", "I"], ["N", "C"]];
  dn.forEach((s, i) => {
    const [a, b] = pairs[i]!;
    const count = (ch: string) => [...s].filter((c) => c === ch).length;
    if (count(a) !== 1 || count(b) !== 1) {
      throw new TypeError(`convolution dimension_numbers[${i}] must contain the characters '${a}' and '${b}' exactly once, got ${s}.`);
    }
    if (new Set(s).size !== s.length) {
      throw new TypeError(`convolution dimension_numbers[${i}] cannot have duplicate characters, got ${s}.`);
    }
  });
  const spatial = (s: string, i: number) => [...s].filter((c) => !pairs[i]!.includes(c)).sort().join("");
  if (spatial(dn[0], 0) !== spatial(dn[1], 1) || spatial(dn[1], 1) !== spatial(dn[2], 2)) {
    throw new TypeError(
      `convolution dimension_numbers elements must each have the same set of spatial characters, got (${dn.map((s) => `'${s}'`).join(", ")}).`,
    );
  }
  const rhs = dn[1];
  const perm = (s: string, i: number): number[] => {
    const [a, b] = pairs[i]!;
    let sp = [...s].map((_, j) => j).filter((j) => !pairs[i]!.includes(s[j]!));
    if (i !== 1) sp = sp.sort((x, y) => rhs.indexOf(s[x]!) - rhs.indexOf(s[y]!));
    return [s.indexOf(a), s.indexOf(b), ...sp];
  };
  return { lhsSpec: perm(dn[0], 0), rhsSpec: perm(dn[1], 1), outSpec: perm(dn[2], 2) };
}

/** JAX's conv_dimension_numbers: canonical specs for operands of the given shapes. */
export function convDimensionNumbers(
  lhsShape: readonly number[],
  rhsShape: readonly number[],
  dimensionNumbers: ConvDimensionNumbersLike = null,
): ConvDimensionNumbers {
  if (lhsShape.length !== rhsShape.length) {
    throw new TypeError(`convolution requires lhs and rhs ndim to be equal, got ${lhsShape.length} and ${rhsShape.length}.`);
  }
  const nd = lhsShape.length;
  if (dimensionNumbers == null) {
    const iota = Array.from({ length: nd }, (_, i) => i);
    return { lhsSpec: iota, rhsSpec: [...iota], outSpec: [...iota] };
  }
  if (Array.isArray(dimensionNumbers)) {
    const dn = dimensionNumbers as readonly [string, string, string];
    if (dn.length !== 3) throw new TypeError(`convolution dimension_numbers must be a 3-tuple of strings, got ${JSON.stringify(dn)}.`);
    dn.forEach((s, i) => {
      if (s.length !== nd) {
        throw new TypeError(
          `convolution dimension_numbers[${i}] must have len equal to the ndim of lhs and rhs, got ${s.length} for lhs and rhs shapes ${shapeStr(lhsShape)} and ${shapeStr(rhsShape)}.`,
        );
      }
    });
    return convGeneralPermutations(dn);
  }
  const d = dimensionNumbers as ConvDimensionNumbers;
  for (const [name, spec] of [["lhs_spec", d.lhsSpec], ["rhs_spec", d.rhsSpec], ["out_spec", d.outSpec]] as const) {
    const ok = spec.length === nd && new Set(spec).size === nd && spec.every((v) => Number.isInteger(v) && v >= 0 && v < nd);
    if (!ok) throw new TypeError(`convolution ${name} must be a permutation of range(${nd}), got ${shapeStr(spec)}.`);
  }
  return { lhsSpec: [...d.lhsSpec], rhsSpec: [...d.rhsSpec], outSpec: [...d.outSpec] };
}

export interface ConvOptions {
  /** Dilation of the lhs (transposed convolution); default all 1. */
  lhsDilation?: readonly number[] | null;
  /** Dilation of the kernel (atrous convolution); default all 1. */
  rhsDilation?: readonly number[] | null;
  dimensionNumbers?: ConvDimensionNumbersLike;
  featureGroupCount?: number;
  batchGroupCount?: number;
  /** Only the backend's default precision exists; kept for JAX's signature. */
  precision?: null;
  /** The output (and accumulation) dtype. */
  preferredElementType?: DType | string | null;
}

/**
 * General N-d convolution (XLA's Conv): lhs (batch, in features, spatial...) against rhs (out
 * features, in features, spatial...) under the default dimension numbers.
 */
export function convGeneralDilated(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: PaddingLike,
  opts: ConvOptions = {},
): JaxArray {
  const l = asArray(lhs);
  const r = asArray(rhs);
  const dn = convDimensionNumbers(l.shape, r.shape, opts.dimensionNumbers);
  const nsp = l.ndim - 2;
  const ones = Array.from({ length: Math.max(nsp, 0) }, () => 1);
  const lhsDilation = opts.lhsDilation ? [...opts.lhsDilation] : ones;
  const rhsDilation = opts.rhsDilation ? [...opts.rhsDilation] : [...ones];
  let pads: [number, number][];
  if (typeof padding === "string") {
    if (lhsDilation.some((d) => d !== 1)) {
      throw new ValueError(
        "String padding is not implemented for transposed convolution using this op. Please either exactly specify the required padding or use conv_transpose.",
      );
    }
    const win = dn.rhsSpec.slice(2).map((d, i) => dilateDim(r.shape[d]!, rhsDilation[i]!));
    pads = padtypeToPads(dn.lhsSpec.slice(2).map((d) => l.shape[d]!), win, windowStrides, padding);
  } else {
    if (!Array.isArray(padding) || padding.some((q) => !Array.isArray(q) || q.length !== 2 || !q.every(Number.isInteger))) {
      throw new ValueError(
        `padding argument to conv_general_dilated should be a string or a sequence of (low, high) pairs, got ${JSON.stringify(padding)}`,
      );
    }
    pads = padding.map(([lo, hi]) => [lo, hi]);
  }
  for (const [name, v] of [["window_strides", windowStrides], ["lhs_dilation", lhsDilation], ["rhs_dilation", rhsDilation]] as const) {
    if (v.length !== nsp || v.some((x) => !Number.isInteger(x) || x < 1)) {
      throw new TypeError(`conv_general_dilated ${name} must be ${nsp} positive integers, got ${shapeStr(v)}.`);
    }
  }
  const pet = opts.preferredElementType == null ? null : canonicalizeDType(parseDType(opts.preferredElementType));
  return bind1(conv_general_dilated_p, [l, r], {
    windowStrides: [...windowStrides],
    padding: pads,
    lhsDilation,
    rhsDilation,
    dimensionNumbers: dn,
    featureGroupCount: opts.featureGroupCount ?? 1,
    batchGroupCount: opts.batchGroupCount ?? 1,
    precision: null,
    preferredElementType: pet,
  });
}

/** conv with the default (NC..., OI..., NC...) layout and "SAME"/"VALID" or explicit padding. */
export function conv(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: PaddingLike,
  opts: { precision?: null; preferredElementType?: DType | string | null } = {},
): JaxArray {
  return convGeneralDilated(lhs, rhs, windowStrides, padding, opts);
}

/** conv with explicit lhs and rhs dilation, default layout. */
export function convWithGeneralPadding(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: PaddingLike,
  lhsDilation: readonly number[] | null,
  rhsDilation: readonly number[] | null,
  opts: { precision?: null; preferredElementType?: DType | string | null } = {},
): JaxArray {
  return convGeneralDilated(lhs, rhs, windowStrides, padding, { ...opts, lhsDilation, rhsDilation });
}

/**
 * JAX's _conv_transpose_padding for one spatial dim of kernel size k (dilated) and stride s:
 * the padding of the lhs-dilated convolution that gives Keras's Conv2DTranspose output sizes.
 */
function convTransposePadding(k: number, s: number, padding: string | readonly [number, number]): [number, number] {
  let padLen: number;
  let padA: number;
  if (padding === "SAME") {
    padLen = k + s - 2;
    padA = s > k - 1 ? k - 1 : Math.ceil(padLen / 2);
  } else if (padding === "VALID") {
    padLen = k + s - 2 + Math.max(k - s, 0);
    padA = k - 1;
  } else if (typeof padding !== "string") {
    // The forward convolution's (lo, hi) padding: k - 1 - p zeros on each side.
    padA = k - padding[0] - 1;
    padLen = padA + k - padding[1] - 1;
  } else {
    throw new ValueError(`\`padding\` must be 'VALID' or 'SAME'. Passed: ${padding}.`);
  }
  return [padA, padLen - padA];
}

export interface ConvTransposeOptions {
  rhsDilation?: readonly number[] | null;
  /** Default: TensorFlow's layouts (NC/IO/NC, NHC/HIO/NHC, NHWC/HWIO/NHWC, NHWDC/HWDIO/NHWDC). */
  dimensionNumbers?: ConvDimensionNumbersLike;
  /** Flip the kernel's spatial dims and swap its in/out features (Keras's Conv2DTranspose). */
  transposeKernel?: boolean;
  /**
   * Read explicit (lo, hi) pairs as the padding of the forward convolution, as strings are
   * (PyTorch's convention: convTranspose is then the gradient of conv with the same padding).
   */
  useConsistentPadding?: boolean;
  precision?: null;
  preferredElementType?: DType | string | null;
}

/**
 * Transposed ("fractionally strided") convolution: the lhs dilated by `strides` convolved at
 * stride 1. String padding is the padding of the forward convolution; explicit pairs are the
 * padding of the transposed one unless `useConsistentPadding` (JAX's default is false).
 */
export function convTranspose(
  lhs: ArrayLike,
  rhs: ArrayLike,
  strides: readonly number[],
  padding: PaddingLike,
  opts: ConvTransposeOptions = {},
): JaxArray {
  const l = asArray(lhs);
  let r = asArray(rhs);
  if (l.ndim !== r.ndim || l.ndim < 2) {
    throw new TypeError(`conv_transpose requires lhs and rhs of equal rank >= 2, got ${shapeStr(l.shape)} and ${shapeStr(r.shape)}.`);
  }
  const nd = l.ndim;
  const defaults: Record<number, [string, string, string]> = {
    2: ["NC", "IO", "NC"],
    3: ["NHC", "HIO", "NHC"],
    4: ["NHWC", "HWIO", "NHWC"],
    5: ["NHWDC", "HWDIO", "NHWDC"],
  };
  let dnLike = opts.dimensionNumbers;
  if (dnLike == null) {
    dnLike = defaults[nd];
    if (!dnLike) throw new TypeError("No 4+ dimensional dimension_number defaults.");
  }
  const dn = convDimensionNumbers(l.shape, r.shape, dnLike);
  const ones = Array.from({ length: nd - 2 }, () => 1);
  const rhsDilation = opts.rhsDilation ? [...opts.rhsDilation] : ones;
  let pads: PaddingLike = padding;
  if (typeof padding === "string" || opts.useConsistentPadding) {
    const ks = dn.rhsSpec.slice(2).map((d, i) => dilateDim(r.shape[d]!, rhsDilation[i]!));
    pads = ks.map((k, i) => convTransposePadding(k, strides[i]!, typeof padding === "string" ? padding : padding[i]!));
  }
  if (opts.transposeKernel) {
    r = rev(r, dn.rhsSpec.slice(2));
    const perm = r.shape.map((_, i) => i);
    perm[dn.rhsSpec[0]!] = dn.rhsSpec[1]!;
    perm[dn.rhsSpec[1]!] = dn.rhsSpec[0]!;
    r = transpose(r, perm);
  }
  return convGeneralDilated(l, r, ones, pads, {
    lhsDilation: strides,
    rhsDilation,
    dimensionNumbers: dn,
    precision: opts.precision ?? null,
    preferredElementType: opts.preferredElementType ?? null,
  });
}

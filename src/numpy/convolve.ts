// jnp.convolve and jnp.correlate: NumPy's 1-D discrete convolution and cross-correlation, as
// one lax.convGeneralDilated over [1, 1, n] views (JAX's _conv): the shorter operand is the
// kernel (flipped for convolve), and the mode picks the padding.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { type DType, canonicalizeDType, defaultFloat, isFloat, parseDType } from "../core/dtypes.js";
import { shapeStr } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { ValueError, resultTypeOf } from "./core.js";

export type ConvolveMode = "full" | "same" | "valid";

export interface ConvolveOptions {
  /** Only the backend's default precision exists; kept for JAX's signature. */
  precision?: null;
  /** Accumulate in and return this dtype (then integer inputs stay integer). */
  preferredElementType?: DType | string | null;
}

function conv1d(a: ArrayLike, v: ArrayLike, mode: ConvolveMode, op: "convolve" | "correlate", opts: ConvolveOptions): JaxArray {
  const pet = opts.preferredElementType == null ? null : canonicalizeDType(parseDType(opts.preferredElementType));
  // Promote to a common dtype; without preferredElementType, to an inexact one (NumPy's rule).
  const { dtype, weakType } = resultTypeOf(a, v);
  const target = pet !== null || isFloat(dtype) ? dtype : defaultFloat();
  const cast = (t: ArrayLike) => {
    const arr = isArray(t) ? t : lax.scalar(t as number, target, true);
    return arr.dtype === target ? arr : lax.convertElementType(arr, target, weakType && arr.weakType);
  };
  let x = cast(a);
  let y = cast(v);
  if (x.ndim !== 1 || y.ndim !== 1) throw new ValueError(`${op}() only support 1-dimensional inputs.`);
  if (x.shape[0] === 0 || y.shape[0] === 0) {
    throw new ValueError(`${op}: inputs cannot be empty, got shapes ${shapeStr(x.shape)} and ${shapeStr(y.shape)}.`);
  }
  let reverse = false;
  if (x.shape[0]! < y.shape[0]!) {
    [x, y] = [y, x];
    // correlate(a, v) with the roles swapped is the reversal of correlate(v, a).
    reverse = op === "correlate";
  }
  if (op === "convolve") y = lax.rev(y, [0]);
  const k = y.shape[0]!;
  let padding: [number, number];
  if (mode === "valid") padding = [0, 0];
  else if (mode === "same") padding = [Math.floor(k / 2), k - Math.floor(k / 2) - 1];
  else if (mode === "full") padding = [k - 1, k - 1];
  else throw new ValueError("mode must be one of ['full', 'same', 'valid']");
  const out = lax.convGeneralDilated(lax.reshape(x, [1, 1, x.shape[0]!]), lax.reshape(y, [1, 1, k]), [1], [padding], {
    preferredElementType: pet,
  });
  const flat = lax.reshape(out, [out.shape[2]!]);
  return reverse ? lax.rev(flat, [0]) : flat;
}

/** NumPy's convolve: Σ_m a[m] v[n - m]; mode "full" (default), "same" or "valid". */
export function convolve(a: ArrayLike, v: ArrayLike, mode: ConvolveMode = "full", opts: ConvolveOptions = {}): JaxArray {
  return conv1d(a, v, mode, "convolve", opts);
}

/** NumPy's correlate: Σ_n a[n + k] v[n]; mode "valid" (default), "same" or "full". */
export function correlate(a: ArrayLike, v: ArrayLike, mode: ConvolveMode = "valid", opts: ConvolveOptions = {}): JaxArray {
  return conv1d(a, v, mode, "correlate", opts);
}

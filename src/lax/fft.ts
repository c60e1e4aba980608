// lax.fft: the `fft` primitive over packed complex arrays (trailing (re, im) axis of size 2).
// See src/primitives/fft.ts for the layout of each FftType's operand and result.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { bind1 } from "../core/trace.js";
import { fft_p, type FftType } from "../primitives/fft.js";
import { asArray } from "./core.js";

export type { FftType } from "../primitives/fft.js";

/**
 * JAX's lax.fft(x, fft_type, fft_lengths): transforms the trailing `fftLengths.length` logical
 * axes. FFT/IFFT/IRFFT take `[..., *axes, 2]` (re, im); RFFT takes a real array.
 */
export function fft(x: ArrayLike, fftType: FftType, fftLengths: readonly number[]): JaxArray {
  return bind1(fft_p, [asArray(x)], { fftType, fftLengths: [...fftLengths] });
}

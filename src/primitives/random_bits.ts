// The `threefry2x32` primitive: the Threefry-2x32 hash (src/random/threefry.ts) as
// one elementwise primitive over four uint32 operands of a common shape (key words
// k0, k1 and counter words x0, x1), with two uint32 outputs. It is not
// differentiable (integer outputs: symbolic-zero tangents), not linear, and
// batches elementwise (every operand gets its batch dimension at 0).
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { shapeEq, shapeStr, broadcastShapes } from "../core/shape.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { threefry2x32Elementwise } from "../random/threefry.js";
import { batchElementwise } from "./util.js";

export const threefry2x32_p: PrimitiveRules = {
  name: "threefry2x32",
  abstractEval(avals) {
    if (avals.length !== 4) throw new TypeError(`threefry2x32 takes 4 operands, got ${avals.length}`);
    for (const a of avals) {
      if (a.dtype !== "uint32") {
        throw new TypeError(`threefry2x32 requires uint32 operands, got ${avals.map((x) => x.dtype).join(", ")}`);
      }
      if (!shapeEq(a.shape, avals[0]!.shape)) {
        throw new TypeError(`threefry2x32 requires operands of one shape, got ${avals.map((x) => shapeStr(x.shape)).join(", ")}`);
      }
    }
    const out = new ShapedArray(avals[0]!.shape, "uint32");
    return [out, out];
  },
  jvp(primals) {
    return [bind(threefry2x32_p, primals), [null, null]];
  },
  transpose: null,
  batch: (args, dims, params, size) => batchElementwise(threefry2x32_p)(args, dims, params, size),
  impl([k0, k1, x0, x1]) {
    return threefry2x32Elementwise(k0!.data, k1!.data, x0!.data, x1!.data);
  },
};

/**
 * threefry2x32(k0, k1, x0, x1): uint32 operands broadcast (NumPy rules) to a common
 * shape, hashed elementwise; returns the two output words.
 */
export function threefry2x32(k0: JaxArray, k1: JaxArray, x0: JaxArray, x1: JaxArray): [JaxArray, JaxArray] {
  const ops = [k0, k1, x0, x1];
  for (const o of ops) {
    if (o.dtype !== "uint32") throw new TypeError(`threefry2x32 requires uint32 operands, got ${ops.map((x) => x.dtype).join(", ")}`);
  }
  const shape = broadcastShapes(...ops.map((o) => o.shape));
  const b = ops.map((o) =>
    shapeEq(o.shape, shape) ? o : lax.broadcastInDim(o, shape, o.shape.map((_, i) => i + shape.length - o.ndim)),
  );
  const [y0, y1] = bind(threefry2x32_p, b);
  return [y0!, y1!];
}

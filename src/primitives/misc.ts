// stop_gradient: the identity whose derivative is zero.
import type { PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";

export const stop_gradient_p: PrimitiveRules = {
  name: "stop_gradient",
  abstractEval: ([x]) => [x!],
  jvp: ([x]) => [[bind(stop_gradient_p, [x!])[0]!], [null]],
  transpose: null,
  batch: ([x], [d]) => [bind(stop_gradient_p, [x!]), [d!]],
  impl: ([x]) => [x!.data],
};

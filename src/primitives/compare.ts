// Comparison, selection and type-conversion primitives.
import { ShapedArray } from "../core/aval.js";
import { type DType, castScalar, isBool, isInt, typedArrayFor } from "../core/dtypes.js";
import { UndefinedPrimal, type PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { elementwise, elementwiseAval, mapKernel, moveBatchAxis } from "./util.js";

function comparison(name: string, f: (x: number, y: number) => boolean) {
  return elementwise({ name, cls: "any", f: (x, y) => (f(x, y) ? 1 : 0), outDType: () => "bool", jvp: () => [null] });
}
export const eq_p = comparison("eq", (x, y) => x === y);
export const ne_p = comparison("ne", (x, y) => x !== y);
export const lt_p = comparison("lt", (x, y) => x < y);
export const le_p = comparison("le", (x, y) => x <= y);
export const gt_p = comparison("gt", (x, y) => x > y);
export const ge_p = comparison("ge", (x, y) => x >= y);

/** select_n(which, *cases): picks cases[which] elementwise; `which` is bool or int32. */
export const select_n_p: PrimitiveRules = {
  name: "select_n",
  abstractEval([which, ...cases]) {
    if (cases.length === 0) throw new TypeError("select_n requires at least one case");
    if (!isBool(which!.dtype) && which!.dtype !== "int32") {
      throw new TypeError(`select_n predicate must be bool or int32, got ${which!.dtype}`);
    }
    const out = elementwiseAval("select_n", cases, "any", undefined, false);
    if (which!.ndim !== 0 && !which!.strongEquals(new ShapedArray(out.shape, which!.dtype))) {
      throw new TypeError(`select_n predicate shape ${which!.str()} must be scalar or match the cases ${out.str()}`);
    }
    return [out];
  },
  jvp([which, ...cases], [, ...tcases]) {
    return [bind(select_n_p, [which!, ...cases]), [bind(select_n_p, [which!, ...tcases])[0]!]];
  },
  transpose([ct], [which, ...cases]) {
    if (which instanceof UndefinedPrimal) throw new TypeError("select_n transpose: the predicate cannot be linear");
    const zeros = lax.zerosLike(ct!);
    return [
      null,
      ...cases.map((c, i) =>
        c instanceof UndefinedPrimal
          ? bind(select_n_p, [which!, ...cases.map((_, j) => (j === i ? ct! : zeros))])[0]!
          : null,
      ),
    ];
  },
  batch(args, dims, params, size) {
    // Cases get their batch dim at 0; a batched or non-scalar predicate is made full-shaped.
    const [which, ...cases] = args;
    const moved = cases.map((c, i) => moveBatchAxis(c, dims[i + 1]!, 0, size));
    let w = which!;
    if (dims[0] !== null || which!.ndim !== 0) {
      w = moveBatchAxis(which!, dims[0]!, 0, size);
      if (w.ndim !== moved[0]!.ndim) w = lax.broadcastInDim(w, moved[0]!.shape, [0]);
    }
    return [bind(select_n_p, [w, ...moved], params), [0]];
  },
  impl([which, ...cases], _p, [out]) {
    const w = which!.data;
    const scalar = which!.shape.length === 0;
    const res = mapKernel((x) => x, [cases[0]!], out!.dtype);
    const cs = cases.map((c) => c.data);
    for (let i = 0; i < res.length; i++) res[i] = cs[w[scalar ? 0 : i]!]![i]!;
    return [res];
  },
};

/** convert_element_type: casts like C (floats truncate toward zero into ints; bools are 0/1). */
export const convert_element_type_p: PrimitiveRules<{ newDtype: DType; weakType: boolean }> = {
  name: "convert_element_type",
  abstractEval: ([x], { newDtype, weakType }) => [new ShapedArray(x!.shape, newDtype, weakType)],
  jvp([x], [t], params) {
    const out = bind(convert_element_type_p, [x!], params)[0]!;
    const float = !isInt(params.newDtype) && !isBool(params.newDtype) && !isInt(x!.dtype) && !isBool(x!.dtype);
    return [[out], [float ? bind(convert_element_type_p, [t!], params)[0]! : null]];
  },
  transpose([ct], [x]) {
    const a = (x as UndefinedPrimal).aval;
    return [bind(convert_element_type_p, [ct!], { newDtype: a.dtype, weakType: a.weakType })[0]!];
  },
  batch([x], [d], params) {
    return [bind(convert_element_type_p, [x!], params), [d!]];
  },
  impl([x], { newDtype }, [out]) {
    const src = x!.data;
    const o = typedArrayFor(out!.dtype, src.length);
    if (newDtype === "bool") for (let i = 0; i < src.length; i++) o[i] = src[i] !== 0 ? 1 : 0;
    else if (isInt(newDtype)) for (let i = 0; i < src.length; i++) o[i] = castScalar(src[i]!, newDtype);
    else o.set(src);
    return [o];
  },
};


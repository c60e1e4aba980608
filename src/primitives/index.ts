// The table of every primitive. `PrimitiveName` is the closed set; the `satisfies` clause makes
// a missing primitive, or a record missing a rule, a type error rather than a runtime surprise.
import type { PrimitiveRules } from "../core/primitive.js";
import * as ew from "./elementwise.js";
import * as sp from "./special.js";
import * as bw from "./bitwise.js";
import * as cmp from "./compare.js";
import * as sh from "./shape.js";
import * as so from "./shape_ops.js";
import * as ix from "./indexing.js";
import * as rd from "./reductions.js";
import * as dot from "./dot.js";
import * as misc from "./misc.js";
import * as rb from "./random_bits.js";
import * as srt from "./sort.js";
import * as la from "./linalg.js";
import * as sv from "./svd.js";
import { pjit_p } from "../transforms/jit.js";
import * as cd from "../transforms/custom_derivatives_rules.js";
import * as cf from "./control_flow.js";
import * as cv from "./conv.js";
import * as wr from "./windowed.js";
import * as col from "./collectives.js";
import * as fft from "./fft.js";

export type PrimitiveName =
  // elementwise arithmetic and transcendental functions
  | "neg" | "sign" | "floor" | "ceil" | "round" | "abs" | "add" | "add_any" | "sub" | "mul" | "div"
  | "rem" | "pow" | "integer_pow" | "max" | "min" | "exp" | "exp2" | "log" | "log1p" | "expm1"
  | "sqrt" | "rsqrt" | "cbrt" | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "atan2"
  | "sinh" | "cosh" | "tanh" | "asinh" | "acosh" | "atanh" | "logistic" | "erf" | "erfc"
  | "erf_inv" | "lgamma" | "digamma" | "is_finite" | "nextafter"
  // bitwise
  | "and" | "or" | "xor" | "not" | "shift_left" | "shift_right_logical" | "shift_right_arithmetic"
  | "population_count"
  // comparison, selection, conversion
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "select_n" | "clamp" | "convert_element_type"
  | "bitcast_convert_type" | "iota"
  // shape and indexing
  | "broadcast_in_dim" | "reshape" | "transpose" | "squeeze" | "expand_dims" | "rev" | "slice"
  | "dynamic_slice" | "dynamic_update_slice" | "pad" | "concatenate" | "gather" | "scatter_add"
  | "scatter" | "scatter_mul" | "scatter_min" | "scatter_max"
  // reductions
  | "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod" | "reduce_and" | "reduce_or"
  | "argmax" | "argmin" | "cumsum"
  // sorting and linear algebra
  | "sort" | "cholesky" | "triangular_solve" | "lu" | "qr" | "eigh" | "svd"
  // linear algebra, autodiff, compilation, random bits
  | "dot_general" | "stop_gradient" | "pjit" | "threefry2x32"
  // custom derivatives
  | "custom_jvp_call" | "custom_vjp_call" | "custom_lin"
  // control flow
  | "cond" | "while" | "scan"
  // convolution and windowed reductions
  | "conv_general_dilated" | "reduce_window_sum" | "reduce_window_max" | "reduce_window_min"
  // collectives over named axes
  | "psum" | "pmax" | "pmin" | "all_gather" | "ppermute"
  // Fourier transforms
  | "fft";

export const primitives = {
  neg: ew.neg_p, sign: ew.sign_p, floor: ew.floor_p, ceil: ew.ceil_p, round: ew.round_p, abs: ew.abs_p,
  add: ew.add_p, add_any: ew.add_any_p, sub: ew.sub_p, mul: ew.mul_p, div: ew.div_p, rem: ew.rem_p,
  pow: ew.pow_p, integer_pow: ew.integer_pow_p, max: ew.max_p, min: ew.min_p, exp: ew.exp_p,
  exp2: ew.exp2_p, log: ew.log_p, log1p: ew.log1p_p, expm1: ew.expm1_p, sqrt: ew.sqrt_p,
  rsqrt: ew.rsqrt_p, cbrt: ew.cbrt_p, sin: ew.sin_p, cos: ew.cos_p, tan: ew.tan_p, asin: ew.asin_p,
  acos: ew.acos_p, atan: ew.atan_p, atan2: ew.atan2_p, sinh: ew.sinh_p, cosh: ew.cosh_p,
  tanh: ew.tanh_p, asinh: ew.asinh_p, acosh: ew.acosh_p, atanh: ew.atanh_p, logistic: ew.logistic_p,
  erf: sp.erf_p, erfc: sp.erfc_p, erf_inv: sp.erf_inv_p, lgamma: sp.lgamma_p, digamma: sp.digamma_p,
  is_finite: sp.is_finite_p, nextafter: sp.nextafter_p,
  and: bw.and_p, or: bw.or_p, xor: bw.xor_p, not: bw.not_p, shift_left: bw.shift_left_p,
  shift_right_logical: bw.shift_right_logical_p, shift_right_arithmetic: bw.shift_right_arithmetic_p,
  population_count: bw.population_count_p,
  eq: cmp.eq_p, ne: cmp.ne_p, lt: cmp.lt_p, le: cmp.le_p, gt: cmp.gt_p, ge: cmp.ge_p,
  select_n: cmp.select_n_p, clamp: sp.clamp_p, convert_element_type: cmp.convert_element_type_p,
  bitcast_convert_type: bw.bitcast_convert_type_p, iota: sp.iota_p,
  broadcast_in_dim: sh.broadcast_in_dim_p, reshape: sh.reshape_p, transpose: sh.transpose_p,
  squeeze: so.squeeze_p, expand_dims: so.expand_dims_p, rev: so.rev_p, slice: so.slice_p,
  dynamic_slice: ix.dynamic_slice_p, dynamic_update_slice: ix.dynamic_update_slice_p, pad: so.pad_p,
  concatenate: so.concatenate_p, gather: ix.gather_p, scatter_add: ix.scatter_add_p,
  scatter: ix.scatter_p, scatter_mul: ix.scatter_mul_p, scatter_min: ix.scatter_min_p,
  scatter_max: ix.scatter_max_p,
  reduce_sum: sh.reduce_sum_p, reduce_max: rd.reduce_max_p, reduce_min: rd.reduce_min_p,
  reduce_prod: rd.reduce_prod_p, reduce_and: rd.reduce_and_p, reduce_or: rd.reduce_or_p,
  argmax: rd.argmax_p, argmin: rd.argmin_p, cumsum: rd.cumsum_p,
  sort: srt.sort_p, cholesky: la.cholesky_p, triangular_solve: la.triangular_solve_p, lu: la.lu_p, qr: la.qr_p,
  eigh: la.eigh_p, svd: sv.svd_p,
  dot_general: dot.dot_general_p, stop_gradient: misc.stop_gradient_p, pjit: pjit_p,
  threefry2x32: rb.threefry2x32_p,
  custom_jvp_call: cd.custom_jvp_call_p, custom_vjp_call: cd.custom_vjp_call_p, custom_lin: cd.custom_lin_p,
  cond: cf.cond_p, while: cf.while_p, scan: cf.scan_p,
  conv_general_dilated: cv.conv_general_dilated_p, reduce_window_sum: wr.reduce_window_sum_p,
  reduce_window_max: wr.reduce_window_max_p, reduce_window_min: wr.reduce_window_min_p,
  psum: col.psum_p, pmax: col.pmax_p, pmin: col.pmin_p, all_gather: col.all_gather_p, ppermute: col.ppermute_p,
  fft: fft.fft_p,
} satisfies Record<PrimitiveName, PrimitiveRules<any>>;

/** Checks at load time that each record's name matches its key in the table. */
for (const [k, p] of Object.entries(primitives)) {
  if (p.name !== k) throw new Error(`primitive table: key ${k} holds primitive ${p.name}`);
}

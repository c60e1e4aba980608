// Counting samplers of jax.random with JAX's algorithms (jax/_src/random/core.py):
// poisson (Knuth's product of uniforms for lam < 10, Hörmann's transformed rejection PTRS
// otherwise), binomial (inversion by geometric gaps when n·min(p, 1-p) <= 10, Kachitvichyanukul
// and Schmeiser's BTRS otherwise) and multinomial (a scan of conditional binomials). Each
// loop runs over the whole array with one key per step, as JAX's batched while loops do.
import type { JaxArray } from "../core/array.js";
import { type DType, isInt, isUnsignedInt } from "../core/dtypes.js";
import { asarray } from "../numpy/core.js";
import { checkShape, split, unwrapSingle, type KeyArray } from "./keys.js";
import { lax } from "./ops.js";
import { uniformRaw } from "./samplers.js";
import { bcast, checkBroadcast, checkValues, f32, floatDtype, jitSampler, shapeOr, splitKeys, type Param } from "./util.js";

const f = (v: number) => Math.fround(v);
const unif = (k: JaxArray, s: number[]) => uniformRaw(k, s, lax.scalar(0, "float32"), lax.scalar(1, "float32"));
const any = (p: JaxArray): JaxArray => (p.ndim === 0 ? p : lax.reduceOr(p, p.shape.map((_, i) => i)));
const isNan = (x: JaxArray) => lax.ne(x, x);

// ---- poisson ------------------------------------------------------------------------------

/** Knuth: count uniforms until their running product drops below e**-lam (in log space). */
function poissonKnuth(k: JaxArray, lam: JaxArray, s: number[], dtype: DType): JaxArray {
  type C = [JaxArray, JaxArray, JaxArray];
  const negLam = lax.neg(lam);
  const [count] = lax.whileLoop(
    ([, , logProd]: C) => any(lax.gt(logProd, negLam)),
    ([n, rng, logProd]: C): C => {
      const [next, sub] = splitKeys(rng, 2) as [JaxArray, JaxArray];
      const n1 = lax.select(lax.gt(logProd, negLam), lax.add(n, lax.full(s, 1, dtype)), n);
      return [n1, next, lax.add(logProd, lax.log(unif(sub, s)))];
    },
    [lax.full(s, 0, dtype), k, lax.full(s, 0, "float32")] as C,
  ) as C;
  return lax.sub(count, lax.full(s, 1, dtype));
}

/**
 * Hörmann's PTRS: propose k = floor((2a/us + b) u + lam + 0.43) from uniforms u, v; accept
 * at once in the box us >= 0.07, v <= v_r, else when log(v inv_alpha / (a/us² + b)) <=
 * -lam + k log lam - lgamma(k + 1).
 */
function poissonRejection(k: JaxArray, lam: JaxArray, s: number[]): JaxArray {
  const logLam = lax.log(lam);
  const b = lax.add(f(0.931), lax.mul(f(2.53), lax.sqrt(lam)));
  const a = lax.add(f(-0.059), lax.mul(f(0.02483), b));
  const invAlpha = lax.add(f(1.1239), lax.div(f(1.1328), lax.sub(b, f(3.4))));
  const vR = lax.sub(f(0.9277), lax.div(f(3.6224), lax.sub(b, 2)));
  type C = [JaxArray, JaxArray, JaxArray];
  const [out] = lax.whileLoop(
    ([, accepted]: C) => any(lax.bitwiseNot(accepted)),
    ([kOut, accepted, rng]: C): C => {
      const [next, k0, k1] = splitKeys(rng, 3) as [JaxArray, JaxArray, JaxArray];
      const u = lax.sub(unif(k0, s), 0.5);
      const v = unif(k1, s);
      const us = lax.sub(0.5, lax.abs(u));
      const kk = lax.floor(lax.add(lax.add(lax.mul(lax.add(lax.div(lax.mul(2, a), us), b), u), lam), f(0.43)));
      const sv = lax.log(lax.div(lax.mul(v, invAlpha), lax.add(lax.div(a, lax.mul(us, us)), b)));
      const tv = lax.sub(lax.add(lax.neg(lam), lax.mul(kk, logLam)), lax.lgamma(lax.add(kk, 1)));
      const accept1 = lax.bitwiseAnd(lax.ge(us, f(0.07)), lax.le(v, vR));
      const reject = lax.bitwiseOr(lax.lt(kk, 0), lax.bitwiseAnd(lax.lt(us, f(0.013)), lax.gt(v, us)));
      const accept = lax.bitwiseOr(accept1, lax.bitwiseAnd(lax.bitwiseNot(reject), lax.le(sv, tv)));
      return [lax.select(accept, kk, kOut), lax.bitwiseOr(accepted, accept), next];
    },
    [lax.full(s, -1, "float32"), lax.full(s, false, "bool"), k] as C,
  ) as C;
  return out;
}

/**
 * random.poisson(key, lam, shape?, {dtype = "int32"}): Poisson(lam) counts (shape defaults
 * to lam's shape). Both algorithms run from the same key over the whole array (with lam
 * replaced where the other one applies) and are selected elementwise; lam = 0 gives 0.
 */
export function poisson(key: KeyArray, lam: Param, shape?: readonly number[] | null, opts: { dtype?: string } = {}): JaxArray {
  const [k] = unwrapSingle(key, "poisson");
  const dtype = (opts.dtype ?? "int32") as DType;
  if (!isInt(dtype) && !isUnsignedInt(dtype)) throw new TypeError(`dtype argument to \`poisson\` must be an int dtype, got ${dtype}`);
  const dt: DType = dtype === "int64" ? "int32" : dtype === "uint64" ? "uint32" : dtype;
  let l = f32(lam);
  checkValues(l, "poisson", "lam must be finite and non-negative", (v) => v >= 0 && v < Infinity);
  let s: number[];
  if (shape === undefined || shape === null) {
    s = l.shape;
  } else {
    s = checkShape(shape, "poisson");
    checkBroadcast(s, "poisson", l.shape);
  }
  return poissonCore(k, bcast(l, s), dt);
}

const poissonCore = jitSampler(
  "_poisson",
  (k: JaxArray, l: JaxArray, dt: DType): JaxArray => {
    const s = l.shape;
    const useKnuth = lax.bitwiseOr(isNan(l), lax.lt(l, 10));
    const lamKnuth = lax.select(useKnuth, l, lax.zerosLike(l));
    const lamRejection = lax.select(useKnuth, lax.fullLike(l, 1e5), l);
    const result = lax.select(
      useKnuth,
      poissonKnuth(k, lamKnuth, s, dt),
      lax.convertElementType(poissonRejection(k, lamRejection, s), dt),
    );
    return lax.select(lax.eq(l, 0), lax.zerosLike(result), result);
  },
  [2],
);

// ---- binomial -----------------------------------------------------------------------------

const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];

/**
 * log(k!) minus its Stirling approximation: a table for k <= 9, else the series
 * (1/12 - (1/360 - 1/1260/(k+1)²)/(k+1)²)/(k+1).
 */
function stirlingTail(kv: JaxArray): JaxArray {
  const table = asarray(STIRLING_TAIL, { dtype: "float32" });
  const useTable = lax.le(kv, 9);
  const kc = lax.clamp(0, kv, 9);
  const kp1 = lax.add(kc, 1);
  const kp1sq = lax.mul(kp1, kp1);
  const approx = lax.div(lax.sub(f(1 / 12), lax.div(lax.sub(f(1 / 360), lax.div(f(1 / 1260), kp1sq)), kp1sq)), kp1);
  const idx = lax.convertElementType(lax.floor(kc), "int32");
  const looked = lax.gather(table, lax.reshape(idx, [...idx.shape, 1]), {
    offsetDims: [],
    collapsedSliceDims: [0],
    startIndexMap: [0],
  }, [1]);
  return lax.select(useTable, looked, approx);
}

/** Inversion: count geometric gaps ceil(log u / log(1 - p)) until their sum exceeds n. */
function binomialInversion(k: JaxArray, count: JaxArray, prob: JaxArray, s: number[]): JaxArray {
  const l1mp = lax.log1p(lax.neg(prob));
  type C = [JaxArray, JaxArray, JaxArray];
  const [numGeom] = lax.whileLoop(
    ([, geomSum]: C) => any(lax.le(geomSum, count)),
    ([num, geomSum, rng]: C): C => {
      const [sub, next] = splitKeys(rng, 2) as [JaxArray, JaxArray];
      const num1 = lax.select(lax.le(geomSum, count), lax.add(num, 1), num);
      const geom = lax.ceil(lax.div(lax.log(unif(sub, s)), l1mp));
      return [num1, lax.add(geomSum, geom), next];
    },
    [lax.full(s, 0, "float32"), lax.full(s, 0, "float32"), k] as C,
  ) as C;
  return lax.sub(numGeom, 1);
}

/**
 * BTRS: propose k = floor((2a/us + b) u + c) and accept in the box (us >= 0.07, v <= v_r)
 * or when log(v alpha / (a/us² + b)) is under the log of the ratio of binomial
 * probabilities at k and at the mode m (Stirling-corrected).
 */
function btrs(k: JaxArray, count: JaxArray, prob: JaxArray, s: number[]): JaxArray {
  const one = 1;
  const stddev = lax.sqrt(lax.mul(lax.mul(count, prob), lax.sub(one, prob)));
  const b = lax.add(f(1.15), lax.mul(f(2.53), stddev));
  const a = lax.add(lax.add(f(-0.0873), lax.mul(f(0.0248), b)), lax.mul(f(0.01), prob));
  const c = lax.add(lax.mul(count, prob), 0.5);
  const vR = lax.sub(f(0.92), lax.div(f(4.2), b));
  const r = lax.div(prob, lax.sub(one, prob));
  const alpha = lax.mul(lax.add(f(2.83), lax.div(f(5.1), b)), stddev);
  const m = lax.floor(lax.mul(lax.add(count, one), prob));
  type C = [JaxArray, JaxArray, JaxArray];
  const [out] = lax.whileLoop(
    ([, accepted]: C) => any(lax.bitwiseNot(accepted)),
    ([kOut, accepted, rng]: C): C => {
      const [next, k0, k1] = splitKeys(rng, 3) as [JaxArray, JaxArray, JaxArray];
      const u = lax.sub(unif(k0, s), 0.5);
      const v0 = unif(k1, s);
      const us = lax.sub(0.5, lax.abs(u));
      const accept1 = lax.bitwiseAnd(lax.ge(us, f(0.07)), lax.le(v0, vR));
      const kk = lax.floor(lax.add(lax.mul(lax.add(lax.div(lax.mul(2, a), us), b), u), c));
      const reject = lax.bitwiseOr(lax.lt(kk, 0), lax.gt(kk, count));
      const v = lax.log(lax.div(lax.mul(v0, alpha), lax.add(lax.div(a, lax.mul(us, us)), b)));
      const cmp1 = lax.add(lax.sub(count, m), one);
      const cmk1 = lax.add(lax.sub(count, kk), one);
      let ub = lax.add(
        lax.mul(lax.add(m, 0.5), lax.log(lax.div(lax.add(m, one), lax.mul(r, cmp1)))),
        lax.mul(lax.add(count, one), lax.log(lax.div(cmp1, cmk1))),
      );
      ub = lax.add(ub, lax.mul(lax.add(kk, 0.5), lax.log(lax.div(lax.mul(r, cmk1), lax.add(kk, one)))));
      ub = lax.add(lax.add(ub, stirlingTail(m)), stirlingTail(lax.sub(count, m)));
      ub = lax.sub(lax.sub(ub, stirlingTail(kk)), stirlingTail(lax.sub(count, kk)));
      const accept = lax.bitwiseOr(accept1, lax.bitwiseAnd(lax.bitwiseNot(reject), lax.le(v, ub)));
      return [lax.select(accept, kk, kOut), lax.bitwiseOr(accepted, accept), next];
    },
    [lax.full(s, -1, "float32"), lax.full(s, false, "bool"), k] as C,
  ) as C;
  return out;
}

/** JAX's _binomial on float32 count and prob of one shape. */
const binomialCore = jitSampler("_binomial", (k: JaxArray, count0: JaxArray, prob: JaxArray): JaxArray => {
  const s = count0.shape;
  const pLtHalf = lax.lt(prob, 0.5);
  let q = lax.select(pLtHalf, prob, lax.sub(1, prob));
  const countNanOrNeg = lax.bitwiseOr(isNan(count0), lax.lt(count0, 0));
  const countInf = lax.eq(lax.abs(count0), Infinity);
  const qIsNan = isNan(q);
  const qLt0 = lax.lt(q, 0);
  q = lax.select(lax.bitwiseOr(qIsNan, qLt0), lax.fullLike(q, f(0.01)), q);
  const useInversion = lax.bitwiseOr(countNanOrNeg, lax.le(lax.mul(count0, q), 10));
  const count = lax.floor(count0);
  const countInv = lax.select(useInversion, count, lax.zerosLike(count));
  const countBtrs = lax.select(useInversion, lax.fullLike(count, 1e4), count);
  const qBtrs = lax.select(useInversion, lax.fullLike(q, 0.5), q);
  let samples = lax.select(useInversion, binomialInversion(k, countInv, q, s), btrs(k, countBtrs, qBtrs, s));
  // NaN for NaN/negative n or invalid p; +inf for infinite n; n - X where p was flipped.
  const invalid = lax.bitwiseOr(lax.bitwiseOr(qLt0, qIsNan), countNanOrNeg);
  samples = lax.select(invalid, lax.fullLike(samples, NaN), samples);
  samples = lax.select(lax.bitwiseAnd(countInf, lax.bitwiseNot(invalid)), lax.fullLike(samples, Infinity), samples);
  const keep = lax.bitwiseOr(lax.bitwiseOr(pLtHalf, countNanOrNeg), lax.bitwiseOr(qIsNan, countInf));
  return lax.select(keep, samples, lax.sub(count, samples));
});

/**
 * random.binomial(key, n, p, shape?, {dtype}): Binomial(n, p) counts as floats (shape
 * defaults to the broadcast shape of n and p; a fractional n is floored, as NumPy).
 */
export function binomial(key: KeyArray, n: Param, p: Param, shape?: readonly number[] | null, opts: { dtype?: string } = {}): JaxArray {
  const [k] = unwrapSingle(key, "binomial");
  const dt = floatDtype(opts.dtype, "binomial");
  const nn = f32(n);
  const pp = f32(p);
  checkValues(nn, "binomial", "n must be non-negative", (v) => v >= 0);
  checkValues(pp, "binomial", "p must be in [0, 1]", (v) => v >= 0 && v <= 1);
  const s = shapeOr(shape, "binomial", nn, pp);
  return lax.convertElementType(binomialCore(k, bcast(nn, s), bcast(pp, s)), dt);
}

// ---- multinomial --------------------------------------------------------------------------

/**
 * Suffix sums along axis 0, each accumulated in index order p[i] + p[i+1] + ... as XLA's
 * reverse cumulative sum (a reduce-window) adds them: a forward running sum over the rows of
 * a masked copy M[i, j] = (j >= i ? p[j] : 0), read at its last column.
 */
function suffixSums(p: JaxArray): JaxArray {
  const n = p.shape[0]!;
  const rest = p.shape.slice(1);
  const full = [n, n, ...rest];
  const rows = lax.broadcastedIota("int32", full, 0);
  const cols = lax.broadcastedIota("int32", full, 1);
  const pj = lax.broadcastInDim(p, full, [1, ...rest.map((_, i) => i + 2)]);
  const masked = lax.select(lax.ge(cols, rows), pj, lax.zerosLike(pj));
  const run = lax.cumsum(masked, 1, false);
  return lax.reshape(lax.sliceInDim(run, n - 1, n, 1, 1), p.shape);
}

export interface MultinomialOptions {
  /** The full result shape (its last entry is the number of outcomes); default p's shape. */
  shape?: readonly number[] | null;
  /** A float dtype for the counts. */
  dtype?: string;
}

/**
 * random.multinomial(key, n, p, {shape, dtype}): counts of n trials over the outcomes on
 * p's last axis, drawn outcome by outcome as Binomial(remaining trials, p_i / (p_i + ... +
 * p_last)) in a scan, each with its own key from split(key, outcomes).
 */
export function multinomial(key: KeyArray, n: Param, p: Param, opts: MultinomialOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "multinomial");
  const dt = floatDtype(opts.dtype, "multinomial");
  const nn = f32(n);
  const pp = f32(p);
  if (pp.ndim < 1) throw new TypeError("multinomial: p must have at least one dimension (the outcomes)");
  checkValues(nn, "multinomial", "n must be non-negative", (v) => v >= 0);
  checkValues(pp, "multinomial", "p must be in [0, 1]", (v) => v >= 0 && v <= 1);
  const s = opts.shape === undefined || opts.shape === null ? pp.shape : checkShape(opts.shape, "multinomial");
  if (s.length < 1) throw new TypeError("multinomial: shape must include the outcome axis");
  const batch = s.slice(0, -1);
  return lax.convertElementType(multinomialCore(k, bcast(nn, batch), bcast(pp, s)), dt);
}

const multinomialCore = jitSampler("_multinomial", (k: JaxArray, n0: JaxArray, p: JaxArray): JaxArray => {
  const batch = n0.shape;
  const pm = lax.transpose(p, [batch.length, ...batch.map((_, i) => i)]);
  const remaining = suffixSums(pm);
  const ratios = lax.div(pm, lax.select(lax.eq(remaining, 0), lax.fullLike(remaining, 1), remaining));
  const keys = split(k, p.shape[batch.length]!);
  const [, counts] = lax.scan(
    (remainder: JaxArray, [ratio, kk]: [JaxArray, JaxArray]): [JaxArray, JaxArray] => {
      const c = binomialCore(kk, remainder, lax.clamp(0, ratio, 1));
      return [lax.sub(remainder, c), c];
    },
    n0,
    [ratios, keys] as [JaxArray, JaxArray],
  );
  return lax.transpose(counts, [...batch.map((_, i) => i + 1), 0]);
});

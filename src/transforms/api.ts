// The public transformations over pytrees: grad, valueAndGrad, jvp, vjp, linearize, jacfwd,
// jacrev, hessian, vmap, jit, makeJaxpr, evalShape, stopGradient.
import { type ArrayLike, ArrayImpl, JaxArray, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type DType, isFloat, scalarDType, defaultFloat } from "../core/dtypes.js";
import type { BDim } from "../core/primitive.js";
import { bind, bind1 } from "../core/trace.js";
import { type ClosedJaxpr, Jaxpr } from "../ir/jaxpr.js";
import { evalJaxpr } from "../ir/eval.js";
import { full, scalar, reshape, zerosLikeAval, asArray } from "../lax/core.js";
import { arrayFromData } from "../runtime/dispatch.js";
import { config } from "../core/config.js";
import { typedArrayFor } from "../core/dtypes.js";
import { stop_gradient_p } from "../primitives/misc.js";
import * as tree from "../tree/index.js";
import { jvpFlat } from "./jvp.js";
import { vmapFlat } from "./vmap.js";
import { backwardPass } from "./transpose.js";
import { PartialVal, partialEvalFlat } from "./partial_eval.js";
import { UndefinedPrimal } from "../core/primitive.js";
import { pjit_p, traceFlat } from "./jit.js";
import { traceToJaxpr } from "./staging.js";
import { prod, shapeStr } from "../core/shape.js";

type Fn = (...args: any[]) => any;

/**
 * A JS number argument to a transformation becomes a weakly typed float scalar (JS cannot tell
 * 1 from 1.0, and numerical code means floats); pass `jnp.array(n, { dtype: "int32" })` for an
 * integer argument. Booleans become bool scalars.
 */
function leafToArray(x: unknown, float: boolean): JaxArray {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") {
    if (float && typeof x === "number") return scalar(x, defaultFloat(), true);
    const { dtype, weakType } = scalarDType(x);
    return scalar(x, dtype, weakType);
  }
  throw new TypeError(
    `Argument ${describe(x)} is not a valid JAX type: arguments to transformations must be Arrays, numbers, ` +
      "booleans, or pytrees (nested arrays/objects) of them.",
  );
}

function describe(x: unknown): string {
  if (typeof x === "string") return `'${x}' of type string`;
  if (typeof x === "function") return "of type function";
  return `of type ${x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x}`;
}

function flattenArgs(args: unknown, float = true): [JaxArray[], tree.PyTreeDef] {
  const [leaves, def] = tree.flatten(args);
  return [leaves.map((l) => leafToArray(l, float)), def];
}

function flattenOutputs(out: unknown, what: string): [JaxArray[], tree.PyTreeDef] {
  const [leaves, def] = tree.flatten(out);
  return [
    leaves.map((l) => {
      if (isArray(l)) return l;
      if (typeof l === "number" || typeof l === "boolean") return asArray(l);
      throw new TypeError(`${what}: function outputs must be Arrays or pytrees of Arrays, got a leaf ${describe(l)}`);
    }),
    def,
  ];
}

/** Wraps a pytree function as a function of flat arrays, recording the output structure. */
function flatFun(f: Fn, inDef: tree.PyTreeDef, what: string): [(...xs: JaxArray[]) => JaxArray[], () => tree.PyTreeDef] {
  let outDef: tree.PyTreeDef | null = null;
  const g = (...xs: JaxArray[]) => {
    const args = tree.unflatten(inDef, xs) as unknown[];
    const [outs, def] = flattenOutputs(f(...args), what);
    outDef = def;
    return outs;
  };
  return [g, () => outDef!];
}

// ---- forward mode ----

/** jvp(f, primals, tangents) → [primalsOut, tangentsOut], primals/tangents as lists of pytrees. */
export function jvp(f: Fn, primals: unknown[], tangents: unknown[]): [any, any] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new TypeError("jvp: primal and tangent arguments must be arrays (lists) of pytrees, one entry per argument");
  }
  const [ps, pdef] = flattenArgs(primals, true);
  const [ts, tdef] = flattenArgs(tangents, true);
  if (!pdef.equals(tdef)) {
    throw new TypeError(`primal and tangent arguments to jax.jvp must have the same tree structure; primals have tree structure ${pdef} whereas tangents have tree structure ${tdef}.`);
  }
  ps.forEach((p, i) => {
    const t = ts[i]!;
    if (isFloat(p.dtype) && t.dtype !== p.dtype) {
      throw new TypeError(
        "primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or in case of int/bool primal dtype " +
          `the tangent dtype must be float0.Got primal dtype ${p.dtype} and so expected tangent dtype ${p.dtype}, but got tangent dtype ${t.dtype} instead.`,
      );
    }
    if (p.shape.join() !== t.shape.join()) {
      throw new TypeError(`jvp called with different primal and tangent shapes;Got primal shape ${shapeStr(p.shape)} and tangent shape as ${shapeStr(t.shape)}`);
    }
  });
  const [g, outDef] = flatFun(f, pdef, "jvp");
  const [po, to] = jvpFlat((...xs) => g(...xs), ps, ts);
  return [tree.unflatten(outDef(), po), tree.unflatten(outDef(), to.map((t, i) => t ?? zerosLikeAval(po[i]!.aval)))];
}

// ---- reverse mode: linearize (jvp + partial evaluation) and transpose ----

interface Linearized {
  outs: JaxArray[];
  aux: JaxArray[];
  jaxpr: Jaxpr;
  consts: JaxArray[];
  inAvals: ShapedArray[];
}

function linearizeFlat(f: (...xs: JaxArray[]) => JaxArray[], primals: JaxArray[], nAux: () => number): Linearized {
  const n = primals.length;
  let nOut = 0;
  const fJvp = (...xs: JaxArray[]) => {
    const [o, t] = jvpFlat(f, xs.slice(0, n), xs.slice(n));
    const k = nAux();
    nOut = o.length - k;
    return [...o, ...t.slice(0, nOut).map((ti, i) => ti ?? zerosLikeAval(o[i]!.aval))];
  };
  const pvals = [...primals.map((p) => PartialVal.known(p)), ...primals.map((p) => PartialVal.unknown(p.aval))];
  const { jaxpr, consts, pvalsOut } = partialEvalFlat(fJvp, pvals, (i, total) => i >= total - nOut);
  const k = pvalsOut.length - 2 * nOut;
  const known = pvalsOut.slice(0, nOut + k).map((p) => {
    if (!p.isKnown) throw new Error("linearize: a primal output depends on the tangents");
    return p.known!;
  });
  return { outs: known.slice(0, nOut), aux: known.slice(nOut), jaxpr, consts, inAvals: primals.map((p) => p.aval) };
}

function vjpFromLinearized(lin: Linearized): (cts: JaxArray[]) => JaxArray[] {
  return (cts) => {
    const args = [...lin.consts, ...lin.inAvals.map((a) => new UndefinedPrimal(a))];
    const res = backwardPass(lin.jaxpr, args, cts).slice(lin.consts.length);
    return res.map((c, i) => c ?? zerosLikeAval(lin.inAvals[i]!));
  };
}

/** vjp(f, ...primals) → [out, vjpFun]; vjpFun(ct) returns one cotangent per primal. */
export function vjp(f: Fn, ...primals: unknown[]): [any, (ct: unknown) => any[]] {
  const [out, fn] = vjpImpl(f, primals, false);
  return [out, fn];
}

/** vjp with an auxiliary output: f returns [out, aux]; returns [out, vjpFun, aux]. */
export function vjpWithAux(f: Fn, ...primals: unknown[]): [any, (ct: unknown) => any[], any] {
  return vjpImpl(f, primals, true);
}

function vjpImpl(f: Fn, primals: unknown[], hasAux: boolean): [any, (ct: unknown) => any[], any] {
  const [ps, pdef] = flattenArgs(primals, true);
  let outDef: tree.PyTreeDef | null = null;
  let auxDef: tree.PyTreeDef | null = null;
  let nAux = 0;
  const g = (...xs: JaxArray[]) => {
    const res = f(...(tree.unflatten(pdef, xs) as unknown[]));
    let out = res;
    let auxLeaves: JaxArray[] = [];
    if (hasAux) {
      if (!Array.isArray(res) || res.length !== 2) throw new TypeError("hasAux=True requires the function to return a pair [out, aux]");
      out = res[0];
      [auxLeaves, auxDef] = flattenOutputs(res[1], "aux");
    }
    const [outs, def] = flattenOutputs(out, "vjp");
    outDef = def;
    nAux = auxLeaves.length;
    return [...outs, ...auxLeaves];
  };
  const lin = linearizeFlat(g, ps, () => nAux);
  const vjpFlat = vjpFromLinearized(lin);
  const vjpFun = (ct: unknown) => {
    const [cts, ctDef] = flattenArgs(ct);
    if (!ctDef.equals(outDef!)) {
      throw new TypeError(`Tree structure of cotangent input ${ctDef}, does not match structure of primal output ${outDef}.`);
    }
    cts.forEach((c, i) => {
      const o = lin.outs[i]!;
      if (c.shape.join() !== o.shape.join()) {
        throw new TypeError(`Shape of cotangent input to vjp pullback function ${c.aval.str()} must be the same as the shape of corresponding primal input ${o.aval.str()}.`);
      }
    });
    return tree.unflatten(pdef, vjpFlat(cts)) as any[];
  };
  const outTree = tree.unflatten(outDef!, lin.outs);
  return [outTree, vjpFun, hasAux ? tree.unflatten(auxDef!, lin.aux) : undefined];
}

/** linearize(f, ...primals) → [out, fJvp]; fJvp(...tangents) evaluates the linear map. */
export function linearize(f: Fn, ...primals: unknown[]): [any, (...tangents: unknown[]) => any] {
  const [ps, pdef] = flattenArgs(primals, true);
  const [g, outDef] = flatFun(f, pdef, "linearize");
  const lin = linearizeFlat(g, ps, () => 0);
  const fJvp = (...tangents: unknown[]) => {
    const [ts, tdef] = flattenArgs(tangents, true);
    if (!tdef.equals(pdef)) throw new TypeError(`linearized function called with tangents of structure ${tdef}, expected ${pdef}`);
    return tree.unflatten(outDef(), evalJaxpr(lin.jaxpr, [...lin.consts, ...ts]));
  };
  return [tree.unflatten(outDef(), lin.outs), fJvp];
}

export interface GradOptions {
  argnums?: number | number[];
  hasAux?: boolean;
  /** Allow integer inputs (their gradient is zero), as `allow_int` in JAX. */
  allowInt?: boolean;
}

function normArgnums(argnums: number | number[], nArgs: number): number[] {
  const list = Array.isArray(argnums) ? argnums : [argnums];
  return list.map((a) => {
    if (!Number.isInteger(a) || a >= nArgs || a < -nArgs) {
      throw new RangeError(`argnums ${JSON.stringify(argnums)} out of bounds for function with ${nArgs} positional arguments`);
    }
    return a < 0 ? a + nArgs : a;
  });
}

/** valueAndGrad(f, opts) → function returning [value, grad] ([[value, aux], grad] with hasAux). */
export function valueAndGrad(f: Fn, opts: GradOptions = {}): (...args: any[]) => [any, any] {
  const argnums = opts.argnums ?? 0;
  return (...args: any[]) => {
    const nums = normArgnums(argnums, args.length);
    const fPartial = (...dargs: unknown[]) => {
      const a = [...args];
      nums.forEach((i, k) => (a[i] = dargs[k]));
      return f(...a);
    };
    const dargs = nums.map((i) => args[i]);
    for (const leaf of tree.leaves(dargs)) {
      const d = isArray(leaf) ? leaf.dtype : typeof leaf === "number" ? "float32" : "bool";
      if (!isFloat(d as DType) && !opts.allowInt) {
        throw new TypeError(
          `grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of np.inexact), but got ${d}. ` +
            "If you want to use Boolean- or integer-valued inputs, use vjp or set allowInt to true.",
        );
      }
    }
    const [out, vjpFun, aux] = vjpImpl(fPartial, dargs, opts.hasAux ?? false);
    if (!isArray(out)) {
      throw new TypeError(`Gradient only defined for scalar-output functions. Output was ${describe(out)}.`);
    }
    if (out.ndim !== 0) {
      throw new TypeError(`Gradient only defined for scalar-output functions. Output had shape: (${out.shape.join(", ")}${out.ndim === 1 ? "," : ""}).`);
    }
    if (!isFloat(out.dtype)) {
      throw new TypeError(
        `grad requires real-valued outputs (output dtype that is a sub-dtype of np.floating), but got ${out.dtype}. ` +
          "For holomorphic differentiation, pass holomorphic=True. For differentiation of non-holomorphic functions " +
          "involving complex outputs, use jax.vjp directly.",
      );
    }
    const cts = vjpFun(full([], 1, out.dtype, out.weakType));
    const g = Array.isArray(argnums) ? cts : cts[0];
    return [opts.hasAux ? [out, aux] : out, g];
  };
}

/** grad(f, { argnums, hasAux }) → function returning the gradient ([grad, aux] with hasAux). */
export function grad(f: Fn, opts: GradOptions = {}): (...args: any[]) => any {
  const vg = valueAndGrad(f, opts);
  const g = (...args: any[]) => {
    const [v, gr] = vg(...args);
    return opts.hasAux ? [gr, v[1]] : gr;
  };
  Object.defineProperty(g, "name", { value: `grad(${f.name || "fun"})` });
  return g;
}

// ---- Jacobians ----

/** A concrete [n, ...shape] array whose row j is the j-th standard basis vector if in [off, off+size). */
function basisBlock(n: number, off: number, shape: readonly number[], dtype: DType): JaxArray {
  const size = prod(shape);
  const data = typedArrayFor(dtype, n * size);
  for (let j = 0; j < size; j++) data[(off + j) * size + j] = 1;
  return arrayFromData(data, new ShapedArray([n, ...shape], dtype));
}

export interface JacOptions {
  argnums?: number | number[];
  hasAux?: boolean;
}

function partialArgs(f: Fn, args: any[], nums: number[]) {
  return (...dargs: unknown[]) => {
    const a = [...args];
    nums.forEach((i, k) => (a[i] = dargs[k]));
    return f(...a);
  };
}

/**
 * Wraps a pytree function (returning `out`, or `[out, aux]` with hasAux) as a function of flat
 * arrays returning the output leaves followed by the aux leaves; records both structures.
 */
function flatFunWithAux(f: Fn, inDef: tree.PyTreeDef, hasAux: boolean, what: string) {
  let outDef: tree.PyTreeDef | null = null;
  let auxDef: tree.PyTreeDef | null = null;
  let nAux = 0;
  const flatF = (...leaves: JaxArray[]) => {
    let r = f(...(tree.unflatten(inDef, leaves) as unknown[]));
    let auxLeaves: JaxArray[] = [];
    if (hasAux) {
      [auxLeaves, auxDef] = flattenOutputs(r[1], "aux");
      r = r[0];
    }
    const [o, d] = flattenOutputs(r, what);
    outDef = d;
    nAux = auxLeaves.length;
    return [...o, ...auxLeaves];
  };
  return { flatF, outDef: () => outDef!, auxDef: () => auxDef!, nAux: () => nAux };
}

/** Forward-mode Jacobian: vmap of jvp over the standard basis of the inputs. */
export function jacfwd(f: Fn, opts: JacOptions = {}): (...args: any[]) => any {
  const argnums = opts.argnums ?? 0;
  return (...args: any[]) => {
    const nums = normArgnums(argnums, args.length);
    const fp = partialArgs(f, args, nums);
    const dargs = nums.map((i) => args[i]);
    const [xs, xdef] = flattenArgs(dargs, true);
    const { flatF, outDef, auxDef, nAux } = flatFunWithAux(fp, xdef, opts.hasAux ?? false, "jacfwd");
    let auxVals: JaxArray[] = [];
    // One vmap'd jvp per input leaf: its tangent is the basis, the others zero. The aux outputs
    // (primal values, the same for every basis vector) leave the vmap unbatched.
    const perInput = xs.map((x, k) => {
      const n = x.size;
      const basis = basisBlock(n, 0, x.shape, x.dtype);
      const cols = vmapFlat(
        (t) => {
          const [po, to] = jvpFlat(flatF, xs, xs.map((_, i) => (i === k ? t : null)));
          const nOut = po.length - nAux();
          return [...to.slice(0, nOut).map((ti, i) => ti ?? zerosLikeAval(po[i]!.aval)), ...po.slice(nOut)];
        },
        n,
        [0],
        (m) => [...new Array<BDim>(m - nAux()).fill(-1), ...new Array<BDim>(nAux()).fill(null)],
        [basis],
      );
      auxVals = cols.slice(cols.length - nAux());
      return cols.slice(0, cols.length - nAux()).map((c) => reshape(c, [...c.shape.slice(0, -1), ...x.shape]));
    });
    // perInput[k][j]: jacobian of output leaf j w.r.t. input leaf k.
    const nOut = perInput[0]?.length ?? 0;
    const outLeaves = Array.from({ length: nOut }, (_, j) => tree.unflatten(xdef, perInput.map((p) => p[j]!)));
    const jac = tree.unflatten(outDef(), outLeaves.map((t) => (Array.isArray(argnums) ? t : (t as unknown[])[0])));
    return opts.hasAux ? [jac, tree.unflatten(auxDef(), auxVals)] : jac;
  };
}

/** Reverse-mode Jacobian: vmap of the vjp over the standard basis of the outputs. */
export function jacrev(f: Fn, opts: JacOptions = {}): (...args: any[]) => any {
  const argnums = opts.argnums ?? 0;
  return (...args: any[]) => {
    const nums = normArgnums(argnums, args.length);
    const fp = partialArgs(f, args, nums);
    const dargs = nums.map((i) => args[i]);
    const [xs, xdef] = flattenArgs(dargs, true);
    const { flatF, outDef, auxDef, nAux } = flatFunWithAux(fp, xdef, opts.hasAux ?? false, "jacrev");
    const lin = linearizeFlat(flatF, xs, nAux);
    const pull = vjpFromLinearized(lin);
    const outs = lin.outs;
    // One vmap'd vjp per output leaf: its cotangent is the basis, the others zero.
    const perOutput = outs.map((o, j) => {
      const m = o.size;
      const basis = basisBlock(m, 0, o.shape, o.dtype);
      const rows = vmapFlat(
        (ct) => pull(outs.map((oi, i) => (i === j ? ct : zerosLikeAval(oi.aval)))),
        m,
        [0],
        (k) => new Array<BDim>(k).fill(0),
        [basis],
      );
      return rows.map((r, k) => reshape(r, [...o.shape, ...xs[k]!.shape]));
    });
    const outLeaves = perOutput.map((blocks) => {
      const t = tree.unflatten(xdef, blocks) as unknown[];
      return Array.isArray(argnums) ? t : t[0];
    });
    const jac = tree.unflatten(outDef(), outLeaves);
    return opts.hasAux ? [jac, tree.unflatten(auxDef(), lin.aux)] : jac;
  };
}

/** hessian(f) = jacfwd(jacrev(f)). */
export function hessian(f: Fn, opts: JacOptions = {}): (...args: any[]) => any {
  return jacfwd(jacrev(f, opts), { argnums: opts.argnums, hasAux: opts.hasAux });
}

// ---- vmap ----

export interface VmapOptions {
  inAxes?: unknown;
  outAxes?: unknown;
  axisSize?: number;
  /** Names the mapped axis so that collectives (lax.psum, ...) inside f can refer to it. */
  axisName?: string;
}

/** vmap(f, { inAxes, outAxes, axisSize, axisName }): maps f over an axis of its inputs. */
export function vmap(f: Fn, opts: VmapOptions = {}): (...args: any[]) => any {
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
  const v = (...args: any[]) => {
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TypeError(
        `vmap in_axes must be an int, None, or a tuple of entries corresponding to the positional arguments passed to the function, but got len(in_axes)=${inAxes.length}, len(args)=${args.length}`,
      );
    }
    const [xs, def] = flattenArgs(args);
    const axes = axesPrefix("in_axes", inAxes, args);
    const dims = axes.map((a, i) => {
      if (a === null || a === undefined) return null;
      const nd = xs[i]!.ndim;
      if (!Number.isInteger(a) || a < -nd || a >= nd) {
        throw new RangeError(`vmap was requested to map its argument along axis ${a}, which implies that its rank should be at least ${a < 0 ? -a : a + 1}, but is only ${nd} (its shape is ${shapeStr(xs[i]!.shape)})`);
      }
      return a < 0 ? a + nd : a;
    });
    const sizes = new Set<number>();
    dims.forEach((d, i) => d !== null && sizes.add(xs[i]!.shape[d]!));
    if (opts.axisSize !== undefined) sizes.add(opts.axisSize);
    if (sizes.size === 0) throw new TypeError("vmap must have at least one non-None value in in_axes");
    if (sizes.size > 1) throw new TypeError(inconsistentSizesMessage(args, xs, dims, opts.axisSize));
    const size = [...sizes][0]!;
    const [g, outDef] = flatFun(f, def, "vmap");
    let outDims: BDim[] = [];
    const outs = vmapFlat(
      g,
      size,
      dims,
      (n) => {
        const od = outDef();
        const leavesDummy = tree.unflatten(od, new Array(n).fill(0));
        outDims = axesPrefix("out_axes", outAxes, leavesDummy);
        return outDims;
      },
      xs,
      opts.axisName,
    );
    return tree.unflatten(outDef(), outs);
  };
  return v;
}

/** One axis per leaf of `value` from an axes tree prefix, with JAX's error for a non-prefix. */
function axesPrefix(what: string, axes: unknown, value: unknown): (number | null)[] {
  try {
    return tree.broadcastPrefix<number | null>(axes, value);
  } catch {
    throw new TypeError(
      `vmap ${what} specification must be a tree prefix of the corresponding value, got specification ` +
        `${JSON.stringify(axes)} for value tree ${tree.structure(value)}.`,
    );
  }
}

/** Key paths of the leaves of the positional arguments, as JAX's keystr: args[0]['w'][1]. */
function leafPaths(x: unknown, path: string, out: string[]): void {
  if (x === null || x === undefined) return;
  if (Array.isArray(x)) x.forEach((c, i) => leafPaths(c, `${path}[${i}]`, out));
  else if (typeof x === "object" && !isArray(x) && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)) {
    for (const k of Object.keys(x).sort()) leafPaths((x as Record<string, unknown>)[k], `${path}['${k}']`, out);
  } else if (typeof x === "object" && !isArray(x)) tree.leaves(x).forEach((_, i) => out.push(`${path}[${i}]`));
  else out.push(path);
}

/** JAX's message for mapped axes of different sizes: the most common size first, one example each. */
function inconsistentSizesMessage(args: unknown[], xs: JaxArray[], dims: (number | null)[], axisSize?: number): string {
  const paths: string[] = [];
  leafPaths(args, "args", paths);
  const counts = new Map<number, { n: number; first: number }>();
  dims.forEach((d, i) => {
    if (d === null) return;
    const sz = xs[i]!.shape[d]!;
    const c = counts.get(sz);
    if (c) c.n++;
    else counts.set(sz, { n: 1, first: i });
  });
  const sorted = [...counts.entries()].sort((a, b) => b[1].n - a[1].n || a[1].first - b[1].first);
  const lines: string[] = [];
  if (axisSize !== undefined) lines.push(`  * the \`axis_size\` argument was ${axisSize}`);
  sorted.forEach(([sz, { n, first }], k) => {
    const ex = `axis ${dims[first]} of ${paths[first] ?? `args[${first}]`} of type ${xs[first]!.aval.longStr()}`;
    if (n === 1) lines.push(`  * one axis had size ${sz}: ${ex}`);
    else lines.push(`  * ${k === 0 ? "most" : "some"} axes (${n} of them) had size ${sz}, e.g. ${ex}`);
  });
  return `vmap got inconsistent sizes for array axes to be mapped:\n${lines.join(";\n")}`;
}

// ---- jit ----

export interface JitOptions {
  staticArgnums?: number | number[];
  /** A name for the compiled function (shown in jaxprs). */
  name?: string;
}

interface CacheEntry {
  jaxpr: Jaxpr;
  consts: JaxArray[];
  outDef: tree.PyTreeDef;
}

export interface JittedFunction {
  (...args: any[]): any;
  /** Number of times the function was traced (for tests and diagnostics). */
  readonly traceCount: number;
  /** Drops the compiled cache. */
  clearCache(): void;
  /** The jaxpr that would run for these arguments. */
  lower(...args: any[]): ClosedJaxpr;
}

const staticIds = new WeakMap<object, number>();
const symbolIds = new Map<symbol, number>();
let nextStaticId = 0;

/**
 * The cache key of a static argument, with Python's hashing semantics: numbers, strings, booleans,
 * null/undefined by value (NaN and ±Infinity distinct); JS arrays and plain objects by their
 * contents; functions, class instances and symbols by identity. Arrays are not hashable.
 */
function staticKey(v: unknown, seen: Set<object> = new Set()): string {
  if (v === undefined) return "u";
  if (v === null) return "n";
  switch (typeof v) {
    case "number":
      return `d${String(v)}`;
    case "bigint":
      return `i${String(v)}`;
    case "boolean":
      return v ? "T" : "F";
    case "string":
      return `s${JSON.stringify(v)}`;
    case "symbol": {
      let id = symbolIds.get(v);
      if (id === undefined) symbolIds.set(v, (id = nextStaticId++));
      return `#${id}`;
    }
  }
  const o = v as object;
  if (isArray(o)) {
    throw new TypeError(
      `Non-hashable static arguments are not supported. An error occurred while trying to hash an object of type Array, ${String(o)}. ` +
        "Pass arrays as non-static arguments, or pass a JS number or nested JS arrays of numbers instead.",
    );
  }
  const proto = Object.getPrototypeOf(o);
  if (Array.isArray(o) || proto === Object.prototype || proto === null) {
    if (seen.has(o)) throw new TypeError("Non-hashable static arguments are not supported: the argument contains a cycle");
    seen.add(o);
    const key = Array.isArray(o)
      ? `[${o.map((x) => staticKey(x, seen)).join(",")}]`
      : `{${Object.keys(o)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${staticKey((o as Record<string, unknown>)[k], seen)}`)
          .join(",")}}`;
    seen.delete(o);
    return key;
  }
  let id = staticIds.get(o);
  if (id === undefined) staticIds.set(o, (id = nextStaticId++));
  return `#${id}`;
}

/** jit(f, { staticArgnums }): traces f once per input signature and runs the compiled jaxpr. */
export function jit(f: Fn, opts: JitOptions = {}): JittedFunction {
  const statics = opts.staticArgnums === undefined ? [] : Array.isArray(opts.staticArgnums) ? opts.staticArgnums : [opts.staticArgnums];
  const cache = new Map<string, CacheEntry>();
  const name = opts.name ?? (f.name || "fun");
  let traceCount = 0;
  const prepare = (args: any[]): { entry: CacheEntry; xs: JaxArray[] } => {
    const st = statics.map((i) => (i < 0 ? i + args.length : i));
    const dyn = args.filter((_, i) => !st.includes(i));
    const [xs, def] = flattenArgs(dyn);
    // Config that changes what a trace produces is part of the key, so a change retraces (as in JAX).
    const cfg = `${config.read("jax_enable_x64") ? 1 : 0}${config.read("jax_threefry_partitionable") ? 1 : 0}`;
    const key = `${cfg}#${st.map((i) => staticKey(args[i])).join("|")}#${def}#${xs.map((x) => x.aval.key()).join(",")}`;
    let entry = cache.get(key);
    if (entry === undefined) {
      traceCount++;
      let outDef: tree.PyTreeDef | null = null;
      const [jaxpr, consts] = traceFlat(
        (...ys) => {
          const dynArgs = tree.unflatten(def, ys) as unknown[];
          const full: unknown[] = [];
          let k = 0;
          for (let i = 0; i < args.length; i++) full.push(st.includes(i) ? args[i] : dynArgs[k++]);
          const [outs, d] = flattenOutputs(f(...full), "jit");
          outDef = d;
          return outs;
        },
        xs.map((x) => x.aval),
      );
      entry = { jaxpr, consts, outDef: outDef! };
      // A trace that captured tracers of an enclosing transformation is valid only there.
      if (consts.every((c) => c instanceof ArrayImpl)) cache.set(key, entry);
    }
    return { entry, xs };
  };
  const jitted = ((...args: any[]) => {
    const { entry, xs } = prepare(args);
    const outs = bind(pjit_p, [...entry.consts, ...xs], { jaxpr: entry.jaxpr, name });
    return tree.unflatten(entry.outDef, outs);
  }) as JittedFunction;
  Object.defineProperty(jitted, "traceCount", { get: () => traceCount });
  Object.defineProperty(jitted, "name", { value: name });
  jitted.clearCache = () => cache.clear();
  jitted.lower = (...args: any[]) => makeJaxpr(f, { staticArgnums: opts.staticArgnums })(...args);
  return jitted;
}

// ---- introspection ----

/** makeJaxpr(f)(...args) → the ClosedJaxpr; `String(result)` prints JAX's jaxpr text. */
export function makeJaxpr(f: Fn, opts: { staticArgnums?: number | number[] } = {}): (...args: any[]) => ClosedJaxpr {
  const statics0 = opts.staticArgnums === undefined ? [] : Array.isArray(opts.staticArgnums) ? opts.staticArgnums : [opts.staticArgnums];
  return (...args: any[]) => {
    const statics = statics0.map((i) => (i < 0 ? i + args.length : i));
    const dyn = args.filter((_, i) => !statics.includes(i));
    const [xs, def] = flattenArgs(dyn);
    return traceToJaxpr(
      (...ys) => {
        const dynArgs = tree.unflatten(def, ys) as unknown[];
        const full: unknown[] = [];
        let k = 0;
        for (let i = 0; i < args.length; i++) full.push(statics.includes(i) ? args[i] : dynArgs[k++]);
        return flattenOutputs(f(...full), "makeJaxpr")[0];
      },
      xs.map((x) => x.aval),
    );
  };
}

/** The shape and dtype of an array, as jax.ShapeDtypeStruct. */
export class ShapeDtypeStruct {
  constructor(
    readonly shape: number[],
    readonly dtype: DType,
  ) {}
  toString(): string {
    return `ShapeDtypeStruct(shape=(${this.shape.join(", ")}${this.shape.length === 1 ? "," : ""}), dtype=${this.dtype})`;
  }
}

/** evalShape(f, ...args): output shapes and dtypes without computing anything. */
export function evalShape(f: Fn, ...args: any[]): any {
  const toArr = (x: unknown) => (x instanceof ShapeDtypeStruct ? zerosAbstract(x) : x);
  const a2 = tree.map(toArr, args, ) as any[];
  let outDef: tree.PyTreeDef | null = null;
  const [xs, def] = flattenArgs(a2);
  const cj = traceToJaxpr(
    (...ys) => {
      const [o, d] = flattenOutputs(f(...(tree.unflatten(def, ys) as unknown[])), "evalShape");
      outDef = d;
      return o;
    },
    xs.map((x) => x.aval),
  );
  return tree.unflatten(outDef!, cj.outAvals.map((a) => new ShapeDtypeStruct([...a.shape], a.dtype)));
}

function zerosAbstract(s: ShapeDtypeStruct): JaxArray {
  return full(s.shape, 0, s.dtype);
}

/** stopGradient(x): identity on values, zero derivative (applies to every leaf of a pytree). */
export function stopGradient<T>(x: T): T {
  return tree.map((l: unknown) => bind1(stop_gradient_p, [asArray(l as ArrayLike)]), x) as T;
}

export { JaxArray };

// Eager dispatch: an eager op is a one-equation jaxpr, compiled once per (primitive, input
// avals, params) by the current backend and cached, so eager and jit share one code path.
import { ArrayImpl } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type TypedArray, isFloat } from "../core/dtypes.js";
import { config } from "../core/config.js";
import { FloatingPointError } from "../core/errors.js";
import type { Params, Primitive } from "../core/primitive.js";
import { type Executable, getBackend } from "../backends/backend.js";
import { Jaxpr, Var, ClosedJaxpr } from "../ir/jaxpr.js";

const objIds = new WeakMap<object, number>();
let nextObjId = 0;
function objId(o: object): number {
  let id = objIds.get(o);
  if (id === undefined) objIds.set(o, (id = nextObjId++));
  return id;
}

/** A string key for params; jaxprs and functions are keyed by identity. */
export function paramsKey(params: Params): string {
  let empty = true;
  for (const _ in params) {
    empty = false;
    break;
  }
  if (empty) return "";
  return JSON.stringify(params, (_k, v) => {
    if (v instanceof Jaxpr || v instanceof ClosedJaxpr || typeof v === "function") return `#${objId(v)}`;
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    return v;
  });
}

const cache = new Map<string, Executable>();

export function clearDispatchCache(): void {
  cache.clear();
}

export function applyPrimitive(prim: Primitive, args: ArrayImpl[], params: Params): ArrayImpl[] {
  const backend = getBackend();
  const avals = args.map((a) => a.aval);
  let key = `${backend.name}|${prim.name}|${paramsKey(params)}`;
  for (const a of avals) key += `|${a.key()}`;
  let exe = cache.get(key);
  if (exe === undefined) {
    const outAvals = prim.abstractEval(avals, params);
    const invars = avals.map((a) => new Var(a));
    const outvars = outAvals.map((a) => new Var(a));
    const jaxpr = new Jaxpr([], invars, [{ primitive: prim, inputs: invars, params, outBinders: outvars }], outvars);
    exe = backend.compile(jaxpr);
    cache.set(key, exe);
  }
  for (const a of args) if (a.backend !== backend) a.moveTo(backend);
  const outs = backend.run(exe, args.map((a) => a.buffer));
  const outAvals = exe.jaxpr.outAvals;
  const results = outs.map((b, i) => new ArrayImpl(outAvals[i]!, b, backend));
  if (config.read("jax_debug_nans")) checkNans(prim, params, results);
  return results;
}

/** jax_debug_nans: JAX's FloatingPointError naming the primitive (or the jit'd function). */
function checkNans(prim: Primitive, params: Params, results: ArrayImpl[]): void {
  for (const r of results) {
    if (!isFloat(r.dtype)) continue;
    if (r.readData().some((v) => Number.isNaN(v))) {
      const where = prim.name === "pjit" ? `jit(${String(params.name)})` : prim.name;
      throw new FloatingPointError(`invalid value (nan) encountered in ${where}`);
    }
  }
}

/** A concrete array from host data (copied into the current backend). */
export function arrayFromData(data: TypedArray, aval: ShapedArray): ArrayImpl {
  const backend = getBackend();
  const buf = backend.allocate(aval.dtype, data.length);
  backend.write(buf, data);
  return new ArrayImpl(aval, buf, backend);
}

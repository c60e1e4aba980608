// A minimal executor of compiler plans for tests: one shared WebAssembly.Memory with a bump
// allocator, kernels called on their whole range or split into a few ranges (as threads
// would run them), "eqn" steps run by the primitive's reference impl. Results are compared
// with the reference interpreter.
import { expect } from "vitest";
import { type DType, type TypedArray, itemsize, typedArrayFor } from "../../src/core/dtypes.js";
import type { HostBuf } from "../../src/core/primitive.js";
import { type Jaxpr, Literal, Var } from "../../src/ir/jaxpr.js";
import { interpretJaxpr } from "../../src/backends/interpret/index.js";
import { type CompiledKernel, type Plan, planJaxpr } from "../../src/compiler/index.js";
import { MATH_IMPORTS } from "../../src/compiler/emit_ops.js";
import { ShapedArray, tree } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { traceToJaxpr } from "../../src/transforms/staging.js";
import { rng } from "../util/laws.js";

const memory = new WebAssembly.Memory({ initial: 64, maximum: 16384, shared: true });
let top = 64;
const instances = new WeakMap<WebAssembly.Module, (...a: number[]) => void>();
const mathEnv = Object.fromEntries(MATH_IMPORTS.map((n) => [n, (Math as unknown as Record<string, (...x: number[]) => number>)[n]!]));

function alloc(bytes: number): number {
  // 16-byte aligned, with a guard gap so that reads past a buffer hit other data, not a trap.
  const p = top;
  top += Math.ceil((bytes + 64) / 16) * 16;
  const need = Math.ceil(top / 65536);
  const have = memory.buffer.byteLength / 65536;
  if (need > have) memory.grow(need - have);
  return p;
}

function view(dtype: DType, ptr: number, n: number): TypedArray {
  const Ctor = typedArrayFor(dtype, 0).constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
  return new Ctor(memory.buffer, ptr, n);
}

function kernelFn(k: CompiledKernel): (...a: number[]) => void {
  let fn = instances.get(k.module);
  if (!fn) {
    const inst = new WebAssembly.Instance(k.module, { env: { memory }, math: mathEnv });
    fn = inst.exports["kernel"] as (...a: number[]) => void;
    instances.set(k.module, fn);
  }
  return fn;
}

export interface RunOptions {
  /** Split every kernel's range into this many calls (1 = one call on [0, extent)). */
  splits?: number;
}

/** Executes a plan on host inputs and returns host outputs. */
export function runPlan(plan: Plan, inputs: HostBuf[], opts: RunOptions = {}): HostBuf[] {
  top = 64;
  const bufs = new Map<Var, number>();
  const put = (v: Var, data: TypedArray) => {
    const p = alloc(data.byteLength);
    view(v.aval.dtype, p, data.length).set(data);
    bufs.set(v, p);
  };
  plan.invars.forEach((v, i) => put(v, inputs[i]!.data));
  const read = (v: Var): HostBuf => {
    const data = view(v.aval.dtype, bufs.get(v)!, v.aval.size).slice();
    return { data, shape: v.aval.shape, dtype: v.aval.dtype };
  };
  for (const step of plan.steps) {
    if (step.kind === "eqn") {
      const ins = step.eqn.inputs.map((a) => {
        if (a instanceof Literal) {
          const data = typedArrayFor(a.aval.dtype, 1);
          data[0] = a.val;
          return { data, shape: [] as number[], dtype: a.aval.dtype };
        }
        return read(a);
      });
      const outs = step.eqn.primitive.impl(ins, step.eqn.params, step.eqn.outBinders.map((v) => v.aval));
      step.eqn.outBinders.forEach((v, i) => put(v, outs[i]!));
      continue;
    }
    const { kernel, inputs: kin, outputs } = step;
    for (const v of outputs) {
      const p = alloc(v.aval.size * itemsize(v.aval.dtype));
      // Poison outputs so that an element the kernel fails to write shows up.
      new Uint8Array(memory.buffer, p, v.aval.size * itemsize(v.aval.dtype)).fill(0xa5);
      bufs.set(v, p);
    }
    const fn = kernelFn(kernel);
    const args = [...kin.map((v) => bufs.get(v)!), ...outputs.map((v) => bufs.get(v)!)];
    const n = opts.splits ?? 1;
    const cuts = Array.from({ length: n + 1 }, (_, i) => Math.round((i * kernel.extent) / n));
    for (let i = 0; i < n; i++) fn(...args, cuts[i]!, cuts[i + 1]!);
  }
  return plan.outvars.map((a) => {
    if (a instanceof Literal) {
      const data = typedArrayFor(a.aval.dtype, a.aval.size || 1);
      data.fill(a.val);
      return { data, shape: a.aval.shape, dtype: a.aval.dtype };
    }
    return read(a);
  });
}

export interface CompareOptions extends RunOptions {
  /** Max error in units of the output dtype's epsilon (relative), for floats; 0 = bit-exact. */
  ulps?: number;
  /** Absolute tolerance added (for sums in a different order). */
  atol?: number;
  rtol?: number;
}

/** Equal as stored values: NaN equals NaN, -0 equals 0 only with a tolerance. */
function close(a: number, b: number, dtype: DType, o: CompareOptions): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return o.ulps !== undefined || o.atol !== undefined || o.rtol !== undefined || Object.is(a, b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
  const tol = (o.atol ?? 0) + (o.rtol ?? 0) * Math.abs(b) + (o.ulps ?? 0) * eps * Math.max(Math.abs(b), dtype === "float32" ? 2 ** -126 : 2 ** -1022);
  return Math.abs(a - b) <= tol;
}

/** Plans `jaxpr`, runs it (whole range, and split into 3 and 7 ranges), and compares with the interpreter. */
export function checkPlan(jaxpr: Jaxpr, inputs: HostBuf[], opts: CompareOptions = {}): Plan {
  const plan = planJaxpr(jaxpr);
  const want = interpretJaxpr(jaxpr, inputs);
  for (const splits of opts.splits ? [opts.splits] : [1, 3, 7]) {
    const got = runPlan(plan, inputs, { splits });
    expect(got.length).toBe(want.length);
    got.forEach((g, k) => {
      const w = want[k]!;
      expect(g.data.length).toBe(w.data.length);
      for (let i = 0; i < w.data.length; i++) {
        if (!close(g.data[i]!, w.data[i]!, w.dtype, opts)) {
          throw new Error(
            `output ${k} (${w.dtype}[${w.shape.join(",")}]) element ${i}: got ${g.data[i]}, want ${w.data[i]} (splits=${splits})\n${jaxpr}`,
          );
        }
      }
    });
  }
  return plan;
}

/** Number of compiled kernels and backend-run equations in a plan. */
export function census(plan: Plan): { kernels: number; eqns: string[] } {
  return {
    kernels: plan.steps.filter((s) => s.kind === "kernel").length,
    eqns: plan.steps.flatMap((s) => (s.kind === "eqn" ? [s.eqn.primitive.name] : [])),
  };
}

// ---- random inputs ----

/** The tests' seeded generator (mulberry32), re-exported for the compiler tests. */
export { rng };

/** Random host data of a dtype: floats with some specials, integers across the range. */
export function randomBuf(shape: readonly number[], dtype: DType, rand: () => number, opts: { specials?: boolean; lo?: number; hi?: number } = {}): HostBuf {
  const n = shape.reduce((p, x) => p * x, 1);
  const data = typedArrayFor(dtype, n);
  const specials = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, Infinity, -Infinity, NaN, 3e9, -3e9, 1e-40];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (dtype === "float32" || dtype === "float64") {
      if (opts.specials && r < 0.15) data[i] = specials[Math.floor(rand() * specials.length)]!;
      else {
        const lo = opts.lo ?? -10;
        const hi = opts.hi ?? 10;
        data[i] = lo + (hi - lo) * rand();
      }
    } else if (dtype === "bool") data[i] = r < 0.5 ? 1 : 0;
    else if (opts.lo !== undefined) data[i] = Math.floor(opts.lo + (opts.hi! - opts.lo) * r);
    else if (dtype === "int64" || dtype === "uint64") data[i] = Math.floor((r - (dtype === "int64" ? 0.5 : 0)) * 2 ** 40);
    else {
      const bits = itemsize(dtype) * 8;
      const v = Math.floor(r * 2 ** bits);
      data[i] = r < 0.2 ? Math.floor(rand() * 16) - 8 : v; // small values and the full range
    }
  }
  return { data, shape, dtype };
}

// ---- jaxprs of real functions ----

export type Spec = [shape: number[], dtype: DType];

/** Traces f on arguments of the given shapes and dtypes; returns the jaxpr and its const values. */
export function trace(f: (...xs: JaxArray[]) => unknown, specs: Spec[]): { jaxpr: Jaxpr; consts: HostBuf[] } {
  const flat = (...xs: JaxArray[]) => tree.flatten(f(...xs))[0] as JaxArray[];
  const closed = traceToJaxpr(flat, specs.map(([shape, dtype]) => new ShapedArray(shape, dtype)));
  const consts = closed.consts.map((c) => ({ data: c.dataSync(), shape: c.shape, dtype: c.dtype }));
  return { jaxpr: closed.jaxpr, consts };
}

export interface FnCheckOptions extends CompareOptions {
  seed?: number;
  specials?: boolean;
  lo?: number;
  hi?: number;
}

/** Traces f, draws random inputs, and checks the plan against the interpreter. */
export function checkFn(f: (...xs: JaxArray[]) => unknown, specs: Spec[], opts: FnCheckOptions = {}): Plan {
  const { jaxpr, consts } = trace(f, specs);
  const rand = rng(opts.seed ?? 1);
  const inputs = [...consts, ...specs.map(([s, d]) => randomBuf(s, d, rand, opts))];
  return checkPlan(jaxpr, inputs, opts);
}

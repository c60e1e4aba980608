// The compiler's public face: planJaxpr turns a jaxpr into a plan of steps, each a compiled
// Wasm kernel (fused elementwise, layout, indexing and reduction ops, or a kernel of its own
// for an equation that does not fuse: cumsum, scatters) or an equation the backend runs itself.
// Compiled modules are cached by a structural key of the kernel, so jaxprs that contain the
// same fused group share one module.
import { type Atom, type Jaxpr, type JaxprEqn, Var } from "../ir/jaxpr.js";
import { type GeneratedKernel, generateKernel, type KernelSpec } from "./codegen.js";
import { generateCumsum } from "./scan.js";
import { SCATTER_OPS, generateScatter } from "./scatter.js";
import type { ScatterParams } from "../primitives/indexing.js";
import { partition } from "./fusion.js";
import { topoOrder } from "./ir.js";

export interface CompiledKernel {
  /**
   * Imports `env.memory` (shared) and possibly `math.<name>` functions ((f64) -> f64 or
   * (f64, f64) -> f64, JS Math.<name>); exports `kernel(in_0, ..., in_{n-1}, out_0, ...,
   * out_{m-1}, start, end)` over byte addresses of dense row-major buffers and a range
   * [start, end) of the parallel loop (0 <= start <= end <= extent). Calls on disjoint
   * ranges write disjoint outputs and share no scratch memory.
   */
  readonly module: WebAssembly.Module;
  /** Units of the parallel loop. */
  readonly extent: number;
  /** Rough cost of one unit (bytes read and written plus flops), for choosing a thread count. */
  readonly costPerItem: number;
  /** The `math` functions the module imports. */
  readonly mathImports: readonly string[];
}

export type Step =
  | { kind: "kernel"; kernel: CompiledKernel; inputs: Var[]; outputs: Var[] }
  | { kind: "eqn"; eqn: JaxprEqn };

export interface Plan {
  /** The jaxpr's constvars then invars. */
  readonly invars: Var[];
  /** May be input vars or Literals. */
  readonly outvars: Atom[];
  /** In execution order; every Var a step reads is an invar or written by an earlier step. */
  readonly steps: Step[];
}

export interface PlanOptions {
  /** The runtime offers relaxed SIMD: the math library may use fused multiply-add (its results are within ulps anyway); exact ops never do. */
  relaxedSimd?: boolean;
}

/** Compiled kernels by structural key, least recently used first (bounded by CACHE_SIZE). */
const cache = new Map<string, CompiledKernel>();
const CACHE_SIZE = 4096;

/** A structural key of a kernel: shapes, dtypes, operations and index maps, buffers by slot. */
export function kernelKey(spec: KernelSpec): string {
  const ids = new Map<unknown, number>();
  const parts: string[] = [spec.shape.join(","), spec.inputs.map((a) => `${a.dtype}:${a.size}`).join(",")];
  for (const n of topoOrder(spec.outputs)) {
    ids.set(n, ids.size);
    const aff = "aff" in n ? `${n.aff.off}:${n.aff.s.join(",")}` : "";
    switch (n.kind) {
      case "load":
        parts.push(`L${spec.slotOf.get(n.src)}${n.guard ? "g" : ""}@${aff}`);
        break;
      case "gather":
        parts.push(`G${spec.slotOf.get(n.src)}${n.guard ? "g" : ""}@${aff}+${ids.get(n.dyn)}`);
        break;
      case "const":
        parts.push(`C${n.dtype}${Object.is(n.value, -0) ? "-0" : n.value}`);
        break;
      case "index":
        parts.push(`I${n.dtype}@${aff}`);
        break;
      case "inrange":
        parts.push(`R${n.lo},${n.hi}@${aff}`);
        break;
      case "op":
        parts.push(`O${n.op}${n.dtype}${n.imm}${n.fn}(${n.args.map((a) => ids.get(a)).join(",")})`);
        break;
      case "reduce":
        parts.push(`D${n.op}${n.dtype}(${ids.get(n.body)})[${n.rshape.join(",")}]`);
    }
  }
  parts.push(`=>${spec.outputs.map((o) => ids.get(o)).join(",")}`);
  return parts.join(";");
}

/** The module of `key` from the cache, or generated, compiled and cached. */
function cached(key: string, generate: () => GeneratedKernel): CompiledKernel {
  let k = cache.get(key);
  if (k !== undefined) {
    cache.delete(key);
    cache.set(key, k);
  } else {
    let g: GeneratedKernel;
    try {
      g = generate();
    } catch (err) {
      throw new Error(`jaxts compiler: code generation failed for kernel ${key}: ${(err as Error).message}`, { cause: err });
    }
    k = { module: new WebAssembly.Module(g.bytes), extent: g.extent, costPerItem: g.costPerItem, mathImports: g.mathImports };
    cache.set(key, k);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return k;
}

/** Compiles (or finds in the cache) the module of one kernel. */
export function compileKernel(spec: KernelSpec, relaxed = false): CompiledKernel {
  return cached(`${relaxed ? "r" : ""}${kernelKey(spec)}`, () => generateKernel(spec, relaxed));
}

/**
 * The kernel of an equation that fusion leaves unfused but that has a code generator of its
 * own (cumsum, the scatter family), or null: its operands and results are buffers, read and written by one kernel.
 */
function dedicatedKernel(eqn: JaxprEqn, consts: readonly (number | null)[] = []): CompiledKernel | null {
  if (!eqn.inputs.every((a, i) => a instanceof Var || (consts[i] ?? null) !== null)) return null;
  const avals = eqn.inputs.map((a) => `${a.aval.dtype}[${a.aval.shape.join(",")}]`).join(";");
  const cs = consts.map((c) => (c === null ? "_" : Object.is(c, -0) ? "-0" : String(c))).join(",");
  const key = `E${eqn.primitive.name}|${JSON.stringify(eqn.params)}|${avals}|${cs}`;
  switch (eqn.primitive.name) {
    case "cumsum": {
      const { axis, reverse } = eqn.params as { axis: number; reverse: boolean };
      return cached(key, () => generateCumsum(eqn.inputs[0]!.aval, axis, reverse));
    }
    default: {
      const op = SCATTER_OPS[eqn.primitive.name];
      if (op === undefined) return null;
      const [x, idx, u] = eqn.inputs.map((a) => a.aval);
      return cached(key, () => generateScatter(x!, idx!, u!, eqn.params as ScatterParams, op, consts));
    }
  }
}

/** Plans a jaxpr: fusion into kernels, compiled to Wasm, and equations left to the backend. */
export function planJaxpr(jaxpr: Jaxpr, options: PlanOptions = {}): Plan {
  const { flat, steps } = partition(jaxpr);
  const out: Step[] = steps.map((s) => {
    if (s.kind === "eqn") {
      const consts = s.consts ?? [];
      const kernel = dedicatedKernel(s.eqn, consts);
      if (kernel === null && consts.some((c) => c !== null)) throw new Error("internal: an equation with constant operands has no kernel");
      if (kernel === null) return { kind: "eqn", eqn: s.eqn };
      const inputs = s.eqn.inputs.filter((_, i) => (consts[i] ?? null) === null) as Var[];
      return { kind: "kernel", kernel, inputs, outputs: s.eqn.outBinders };
    }
    const g = s.group;
    const inputs = [...g.loads];
    const slotOf = new Map(inputs.map((v, i) => [v, i]));
    const spec = { shape: g.shape, inputs: inputs.map((v) => v.aval), outputs: g.exprs, slotOf };
    const kernel = compileKernel(spec, options.relaxedSimd ?? false);
    return { kind: "kernel", kernel, inputs, outputs: g.roots };
  });
  return { invars: flat.invars, outvars: flat.outvars, steps: out };
}

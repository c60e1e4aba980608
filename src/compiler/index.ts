// The compiler's public face: planJaxpr turns a jaxpr into a plan of steps, each a compiled
// Wasm kernel (fused elementwise, layout and reduction ops) or an equation the backend runs
// itself. Compiled modules are cached by a structural key of the kernel, so jaxprs that
// contain the same fused group share one module.
import type { Atom, Jaxpr, JaxprEqn, Var } from "../ir/jaxpr.js";
import { generateKernel, type KernelSpec } from "./codegen.js";
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

/** Compiles (or finds in the cache) the module of one kernel. */
export function compileKernel(spec: KernelSpec, relaxed = false): CompiledKernel {
  const key = `${relaxed ? "r" : ""}${kernelKey(spec)}`;
  let k = cache.get(key);
  if (k !== undefined) {
    cache.delete(key);
    cache.set(key, k);
  } else {
    let g: ReturnType<typeof generateKernel>;
    try {
      g = generateKernel(spec, relaxed);
    } catch (err) {
      throw new Error(`jaxts compiler: code generation failed for kernel ${key}: ${(err as Error).message}`, { cause: err });
    }
    k = { module: new WebAssembly.Module(g.bytes), extent: g.extent, costPerItem: g.costPerItem, mathImports: g.mathImports };
    cache.set(key, k);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return k;
}

/** Plans a jaxpr: fusion into kernels, compiled to Wasm, and equations left to the backend. */
export function planJaxpr(jaxpr: Jaxpr, options: PlanOptions = {}): Plan {
  const { flat, steps } = partition(jaxpr);
  const out: Step[] = steps.map((s) => {
    if (s.kind === "eqn") return s;
    const g = s.group;
    const inputs = [...g.loads];
    const slotOf = new Map(inputs.map((v, i) => [v, i]));
    const spec = { shape: g.shape, inputs: inputs.map((v) => v.aval), outputs: g.exprs, slotOf };
    const kernel = compileKernel(spec, options.relaxedSimd ?? false);
    return { kind: "kernel", kernel, inputs, outputs: g.roots };
  });
  return { invars: flat.invars, outvars: flat.outvars, steps: out };
}

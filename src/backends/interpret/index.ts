// The reference backend: plain TypeScript over typed arrays. It evaluates a jaxpr equation by
// equation with each primitive's reference `impl`. It is the oracle the compiled backends are
// tested against.
import { type DType, type TypedArray, typedArrayFor } from "../../core/dtypes.js";
import type { HostBuf } from "../../core/primitive.js";
import { type Atom, type Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import type { Backend, Buffer, Executable } from "../backend.js";

export class HostBuffer implements Buffer {
  constructor(
    readonly dtype: DType,
    public data: TypedArray,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

/** Evaluates a jaxpr on host buffers with the reference implementations. */
export function interpretJaxpr(jaxpr: Jaxpr, inputs: HostBuf[]): HostBuf[] {
  const env = new Map<Var, HostBuf>();
  const read = (a: Atom): HostBuf => {
    if (a instanceof Literal) {
      const data = typedArrayFor(a.aval.dtype, 1);
      data[0] = a.val;
      return { data, shape: [], dtype: a.aval.dtype };
    }
    const v = env.get(a);
    if (v === undefined) throw new Error("interpret: unbound variable");
    return v;
  };
  const nIn = jaxpr.constvars.length + jaxpr.invars.length;
  if (inputs.length !== nIn) throw new Error(`interpret: expected ${nIn} inputs, got ${inputs.length}`);
  [...jaxpr.constvars, ...jaxpr.invars].forEach((v, i) => env.set(v, inputs[i]!));
  for (const eqn of jaxpr.eqns) {
    const ins = eqn.inputs.map(read);
    const outAvals = eqn.outBinders.map((v) => v.aval);
    const outs = eqn.primitive.impl(ins, eqn.params, outAvals);
    eqn.outBinders.forEach((v, i) => env.set(v, { data: outs[i]!, shape: v.aval.shape, dtype: v.aval.dtype }));
  }
  return jaxpr.outvars.map(read);
}

/** The most elements a typed array holds on current engines (2^32 - 1 bytes for V8). */
const MAX_ELEMENTS = 2 ** 31 - 1;

class InterpretExecutable implements Executable {
  constructor(readonly jaxpr: Jaxpr) {}
}

export const interpretBackend: Backend = {
  name: "interpret",
  allocate(dtype: DType, size: number): Buffer {
    return new HostBuffer(dtype, typedArrayFor(dtype, size));
  },
  write(buf: Buffer, data: TypedArray): void {
    (buf as HostBuffer).data.set(data);
  },
  read(buf: Buffer): TypedArray {
    return (buf as HostBuffer).data.slice();
  },
  free(buf: Buffer): void {
    (buf as HostBuffer).data = typedArrayFor(buf.dtype, 0);
  },
  compile(jaxpr: Jaxpr): Executable {
    for (const eqn of jaxpr.eqns) {
      for (const v of eqn.outBinders) {
        const n = v.aval.size;
        if (n > MAX_ELEMENTS) {
          throw new RangeError(
            `Out of memory: an array of shape (${v.aval.shape.join(", ")}) and dtype ${v.aval.dtype} has ${n} elements, ` +
              `more than the ${MAX_ELEMENTS} a typed array can hold.`,
          );
        }
      }
    }
    return new InterpretExecutable(jaxpr);
  },
  run(exe: Executable, inputs: Buffer[]): Buffer[] {
    const j = exe.jaxpr;
    const avals = [...j.constvars, ...j.invars].map((v) => v.aval);
    const ins = inputs.map((b, i) => ({ data: (b as HostBuffer).data, shape: avals[i]!.shape, dtype: b.dtype }));
    return interpretJaxpr(j, ins).map((o) => new HostBuffer(o.dtype, o.data));
  },
};

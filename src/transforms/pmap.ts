// pmap: single-program multiple-data mapping over the leading axis, with a named axis that
// collectives (lax.psum, ...) refer to. jaxts's devices are the Wasm backend's worker
// threads. pmap compiles f once (jit) as one batched program — vmap of f with the axis name —
// whose kernels the backend already splits across those threads; so results, errors and
// derivatives are those of JAX's pmap, while the per-device programs are not run as separate
// programs on separate threads.
import type { JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { configuredThreads } from "../backends/wasm/backend.js";
import * as tree from "../tree/index.js";
import { jit, vmap } from "./api.js";

/** A device: one thread of the Wasm backend's worker pool (the caller's thread is device 0). */
export interface Device {
  readonly id: number;
  readonly platform: "cpu";
  readonly deviceKind: "wasm-thread";
}

/** Number of devices: the threads of the Wasm backend's pool (config jaxts_num_threads). */
export function deviceCount(): number {
  return Math.max(1, configuredThreads());
}

/** Devices local to this process (all of them: jaxts runs in one process). */
export function localDeviceCount(): number {
  return deviceCount();
}

/** One device object per thread of the pool. */
export function devices(): Device[] {
  return Array.from({ length: deviceCount() }, (_, id) => ({ id, platform: "cpu", deviceKind: "wasm-thread" }) as const);
}

export interface PmapOptions {
  /** Names the mapped axis for collectives inside f. */
  axisName?: string;
  /** Which axis of each argument is mapped (an int, null, or a tree prefix per argument; default 0). */
  inAxes?: unknown;
  /** Where the mapped axis goes in each output (default 0). */
  outAxes?: unknown;
  /** Positional arguments passed to f unmapped and as they are (hashable, not arrays). */
  staticBroadcastedArgnums?: number | number[];
  /** The devices to run on; the mapped axis size must equal their number. */
  devices?: readonly Device[];
}

/** Device slots used by the pmaps being traced (nested pmaps multiply their sizes). */
let devicesInUse = 1;

/** pmap(f, opts): maps f over the leading axis of its arguments, one element per device. */
export function pmap(f: (...args: any[]) => any, opts: PmapOptions = {}): (...args: any[]) => any {
  const statics = opts.staticBroadcastedArgnums === undefined ? [] : [opts.staticBroadcastedArgnums].flat();
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
  // The static arguments stay static to jit; the others are vmapped with the axis name.
  const run = jit(
    (...args: any[]) => {
      const dynIdx = args.map((_, i) => i).filter((i) => !statics.includes(i));
      const dynAxes = Array.isArray(inAxes) && inAxes.length === args.length ? dynIdx.map((i) => inAxes[i]) : inAxes;
      const g = (...dyn: any[]) => {
        const full = [...args];
        dynIdx.forEach((i, k) => (full[i] = dyn[k]));
        return f(...full);
      };
      return vmap(g, { inAxes: dynAxes, outAxes, axisName: opts.axisName })(...dynIdx.map((i) => args[i]));
    },
    { staticArgnums: statics, name: "pmap" },
  );
  return (...args: any[]) => {
    for (const s of statics) {
      if (s < 0 || s >= args.length) {
        throw new RangeError(`static_broadcasted_argnums ${s} is out of bounds for a call with ${args.length} positional arguments`);
      }
    }
    const size = mappedSize(args, statics, inAxes);
    const available = opts.devices ? opts.devices.length : Math.floor(deviceCount() / devicesInUse);
    if (opts.devices && size !== opts.devices.length) {
      throw new Error(
        `Leading axis size of input to pmapped function must equal the number of local devices passed to pmap. Got axis_size=${size}, num_local_devices=${opts.devices.length}.`,
      );
    }
    if (size > available) {
      const total = size * devicesInUse;
      throw new Error(
        `compiling computation that requires ${total} logical devices, but only ${deviceCount()} XLA devices are available (num_replicas=${total})`,
      );
    }
    const prev = devicesInUse;
    devicesInUse *= size;
    try {
      return run(...args);
    } finally {
      devicesInUse = prev;
    }
  };
}

/** The size of the mapped axis of the arguments (the first mapped leaf's; vmap checks the rest). */
function mappedSize(args: unknown[], statics: number[], inAxes: unknown): number {
  const dyn = args.filter((_, i) => !statics.includes(i));
  const axes = Array.isArray(inAxes) && inAxes.length === args.length ? inAxes.filter((_, i) => !statics.includes(i)) : inAxes;
  let perLeaf: (number | null)[];
  try {
    perLeaf = tree.broadcastPrefix<number | null>(Array.isArray(axes) ? axes : dyn.map(() => axes), dyn);
  } catch {
    throw new TypeError(`pmap in_axes specification must be a tree prefix of the arguments, got ${JSON.stringify(inAxes)}`);
  }
  const leaves = tree.leaves(dyn);
  for (let i = 0; i < leaves.length; i++) {
    const a = perLeaf[i];
    const x = leaves[i];
    if (a === null || a === undefined) continue;
    if (!isArray(x) || (x as JaxArray).ndim === 0) {
      throw new TypeError("pmap was requested to map its argument along an axis, but the argument is a scalar or not an array");
    }
    const arr = x as JaxArray;
    return arr.shape[a < 0 ? a + arr.ndim : a]!;
  }
  throw new TypeError("pmap requires at least one argument with a mapped axis");
}

// Global configuration, as in `jax.config`: `config.update(name, value)` and `config.read(name)`.
// Known keys are typed; unknown keys raise, so a typo never silently does nothing.

export interface ConfigValues {
  jax_enable_x64: boolean;
  jax_threefry_partitionable: boolean;
  jaxts_num_threads: number;
  jaxts_backend: string;
  jaxts_wasm_heap_limit: number;
  jax_debug_nans: boolean;
}

const values: ConfigValues = {
  jax_enable_x64: false,
  jax_threefry_partitionable: true,
  jaxts_num_threads: 0,
  jaxts_backend: "",
  jaxts_wasm_heap_limit: 0,
  jax_debug_nans: false,
};

type Listener = (name: keyof ConfigValues, value: unknown) => void;
const listeners: Listener[] = [];
const validators = new Map<keyof ConfigValues, (value: never) => void>();

function checkNonNegativeInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`config.update("${name}", ...) expects a non-negative integer, got ${v}`);
}
validators.set("jaxts_num_threads", (v: number) => checkNonNegativeInt("jaxts_num_threads", v));
validators.set("jaxts_wasm_heap_limit", (v: number) => checkNonNegativeInt("jaxts_wasm_heap_limit", v));

export const config = {
  update<K extends keyof ConfigValues>(name: K, value: ConfigValues[K]): void {
    if (!(name in values)) throw new Error(`Unrecognized config option: ${String(name)}`);
    const expected = typeof values[name];
    if (typeof value !== expected) {
      throw new TypeError(`config.update("${name}", ...) expects a ${expected}, got ${typeof value}`);
    }
    (validators.get(name) as ((v: ConfigValues[K]) => void) | undefined)?.(value);
    values[name] = value;
    for (const l of listeners) l(name, value);
  },
  read<K extends keyof ConfigValues>(name: K): ConfigValues[K] {
    if (!(name in values)) throw new Error(`Unrecognized config option: ${String(name)}`);
    return values[name];
  },
  /** Registers a check run before a value is accepted (it throws to reject the value). */
  validate<K extends keyof ConfigValues>(name: K, check: (value: ConfigValues[K]) => void): void {
    validators.set(name, check as (value: never) => void);
  },
  /** Called whenever an option changes (used by caches that depend on config). */
  onChange(l: Listener): void {
    listeners.push(l);
  },
  get x64(): boolean {
    return values.jax_enable_x64;
  },
};

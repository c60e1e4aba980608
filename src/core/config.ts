// Global configuration, as in `jax.config`: `config.update(name, value)` and `config.read(name)`.
// Known keys are typed; unknown keys raise, so a typo never silently does nothing.

export interface ConfigValues {
  jax_enable_x64: boolean;
  jax_threefry_partitionable: boolean;
  jaxts_num_threads: number;
  jaxts_backend: string;
  jax_debug_nans: boolean;
}

const values: ConfigValues = {
  jax_enable_x64: false,
  jax_threefry_partitionable: true,
  jaxts_num_threads: 0,
  jaxts_backend: "interpret",
  jax_debug_nans: false,
};

type Listener = (name: keyof ConfigValues, value: unknown) => void;
const listeners: Listener[] = [];

export const config = {
  update<K extends keyof ConfigValues>(name: K, value: ConfigValues[K]): void {
    if (!(name in values)) throw new Error(`Unrecognized config option: ${String(name)}`);
    const expected = typeof values[name];
    if (typeof value !== expected) {
      throw new TypeError(`config.update("${name}", ...) expects a ${expected}, got ${typeof value}`);
    }
    values[name] = value;
    for (const l of listeners) l(name, value);
  },
  read<K extends keyof ConfigValues>(name: K): ConfigValues[K] {
    if (!(name in values)) throw new Error(`Unrecognized config option: ${String(name)}`);
    return values[name];
  },
  /** Called whenever an option changes (used by caches that depend on config). */
  onChange(l: Listener): void {
    listeners.push(l);
  },
  get x64(): boolean {
    return values.jax_enable_x64;
  },
};

// Installs the Array method forms (x.add(y), x.sum(), ...) on top of jax.numpy.
import { arrayOps } from "../core/array.js";
import * as jnp from "./index.js";

export function installArrayMethods(): void {
  Object.assign(arrayOps, {
    add: jnp.add,
    subtract: jnp.subtract,
    multiply: jnp.multiply,
    divide: jnp.divide,
    power: jnp.power,
    negative: jnp.negative,
    matmul: jnp.matmul,
    sum: jnp.sum,
    mean: jnp.mean,
    max: jnp.max,
    min: jnp.min,
    reshape: jnp.reshape,
    transpose: jnp.transpose,
    astype: (x: any, d: any) => jnp.array(x, { dtype: d }),
    index: (x: any, idx: any) => jnp.index(x, ...idx),
    indexUpdate: jnp.indexUpdate,
  });
}

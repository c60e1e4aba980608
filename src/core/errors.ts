// Error classes with JAX's names and wording.

export class JaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** NumPy's ValueError: a value (not a type) is wrong, e.g. an axis out of range or ragged data. */
export class ValueError extends JaxError {}

export class ConcretizationTypeError extends JaxError {
  constructor(what: string, context = "") {
    super(
      `Abstract tracer value encountered where concrete value is expected: ${what}\n` +
        (context ? context + "\n" : "") +
        "The error occurred while tracing a function under a transformation (such as jit) that " +
        "requires its array arguments to be abstract. If a value needs to be known while tracing, " +
        "mark the argument static (staticArgnums) or compute it outside the transformation.\n" +
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError",
    );
  }
}

export class TracerBoolConversionError extends ConcretizationTypeError {
  constructor(what: string) {
    super(
      what,
      "Attempted boolean conversion of traced array. The problem arose with converting a traced " +
        "value to a JS boolean or number inside control flow; use lax.cond / lax.whileLoop / jnp.where instead.",
    );
    this.message = `Attempted boolean conversion of ${what}.\n` + this.message;
  }
}

export class TracerIntegerConversionError extends ConcretizationTypeError {}

export class UnexpectedTracerError extends JaxError {
  constructor(detail: string) {
    super(
      "Encountered an unexpected tracer. A function transformed by JAX had a side effect, allowing " +
        "for a reference to an intermediate value with type " +
        `${detail} to escape the scope of the transformation.\n` +
        "JAX transformations require that functions explicitly return their outputs, and disallow " +
        "saving intermediate values to global state.\n" +
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.UnexpectedTracerError",
    );
  }
}

/** Raised under `jax_debug_nans` when a primitive produces a NaN, as in JAX. */
export class FloatingPointError extends JaxError {}

// Abstract values: the shape, dtype and weak-type flag that every array and tracer carries.
import { type DType, shortName } from "./dtypes.js";
import { type Shape, prod, shapeEq } from "./shape.js";

export class ShapedArray {
  readonly shape: readonly number[];
  constructor(
    shape: Shape,
    readonly dtype: DType,
    readonly weakType = false,
  ) {
    this.shape = Object.freeze([...shape]);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return prod(this.shape);
  }
  /** `f32[3,4]`, as printed in jaxprs. */
  str(): string {
    return `${shortName(this.dtype)}[${this.shape.join(",")}]`;
  }
  /** `float32[3,4]`, as in error messages. */
  longStr(): string {
    return `${this.dtype}[${this.shape.join(",")}]`;
  }
  equals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && this.weakType === o.weakType && shapeEq(this.shape, o.shape);
  }
  /** Same shape and dtype, ignoring weak type. */
  strongEquals(o: ShapedArray): boolean {
    return this.dtype === o.dtype && shapeEq(this.shape, o.shape);
  }
  update(u: { shape?: Shape; dtype?: DType; weakType?: boolean }): ShapedArray {
    return new ShapedArray(u.shape ?? this.shape, u.dtype ?? this.dtype, u.weakType ?? this.weakType);
  }
  strengthen(): ShapedArray {
    return this.weakType ? new ShapedArray(this.shape, this.dtype, false) : this;
  }
  private _key: string | undefined;
  /** A string identifying dtype, weak type and shape (memoised: avals are immutable). */
  key(): string {
    return (this._key ??= `${this.dtype}${this.weakType ? "~" : ""}[${this.shape.join(",")}]`);
  }
}

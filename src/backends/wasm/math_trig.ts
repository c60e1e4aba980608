// Trigonometric functions for WasmMath.
import type { KernelTable } from "./math.js";

export const TRIG_F32: KernelTable = {};

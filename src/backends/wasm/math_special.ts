// Special functions for WasmMath.
import type { KernelTable } from "./math.js";

export const SPECIAL_F32: KernelTable = {};

/* Generated-style Convex API references (what `npx convex codegen` writes). */
import { anyApi } from "convex/server";

export const api = anyApi;
export const internal = anyApi;

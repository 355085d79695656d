/* Generated-style Convex function builders (what `npx convex codegen` writes). */
export { actionGeneric as action, mutationGeneric as mutation, queryGeneric as query } from "convex/server";

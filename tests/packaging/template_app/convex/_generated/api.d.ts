/* Generated-style Convex API types (what `npx convex codegen` writes). */
import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as auth from "../auth.js";
import type * as myFunctions from "../myFunctions.js";

declare const fullApi: ApiFromModules<{
  auth: typeof auth;
  myFunctions: typeof myFunctions;
}>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;

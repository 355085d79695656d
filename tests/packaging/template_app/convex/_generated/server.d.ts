/* Generated-style Convex function builders (what `npx convex codegen` writes). */
import type { ActionBuilder, MutationBuilder, QueryBuilder } from "convex/server";
import type { DataModel } from "./dataModel.js";

export declare const query: QueryBuilder<DataModel, "public">;
export declare const mutation: MutationBuilder<DataModel, "public">;
export declare const action: ActionBuilder<DataModel, "public">;

/* Generated-style Convex data model (what `npx convex codegen` writes). */
import type { DataModelFromSchemaDefinition } from "convex/server";
import schema from "../schema.js";

export type DataModel = DataModelFromSchemaDefinition<typeof schema>;

import { query } from "./_generated/server";

export const ok = query({ args: {}, handler: async () => 1 });

throw new Error("this module cannot be loaded");

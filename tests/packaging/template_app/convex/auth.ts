import { query } from "./_generated/server";

/** The signed-in user as Convex sees them, or null. */
export const whoami = query({
  args: {},
  handler: async (ctx) => await ctx.auth.getUserIdentity(),
});

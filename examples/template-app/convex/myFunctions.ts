import { v } from "convex/values";
import { mutation, query } from "./_generated/server";

// Who asks (the identity Convex verified from the WorkOS access token) and the newest numbers.
export const listNumbers = query({
  args: { count: v.number() },
  handler: async (ctx, args) => {
    const identity = await ctx.auth.getUserIdentity();
    const numbers = await ctx.db.query("numbers").order("desc").take(args.count);
    return {
      viewer: identity === null ? null : (identity.email ?? identity.subject),
      numbers: numbers.reverse().map((number) => number.value),
    };
  },
});

// Only a signed-in user may add a number.
export const addNumber = mutation({
  args: { value: v.number() },
  handler: async (ctx, args) => {
    if ((await ctx.auth.getUserIdentity()) === null) {
      throw new Error("Not signed in");
    }
    return await ctx.db.insert("numbers", { value: args.value });
  },
});

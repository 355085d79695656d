import { v } from "convex/values";
import { mutation, query } from "./_generated/server";

/** The newest `count` numbers, and who asks. */
export const listNumbers = query({
  args: { count: v.number() },
  handler: async (ctx, { count }) => {
    const rows = await ctx.db.query("numbers").order("desc").take(count);
    const identity = await ctx.auth.getUserIdentity();
    return { viewer: identity?.name ?? null, numbers: rows.reverse().map((row) => row.value) };
  },
});

export const addNumber = mutation({
  args: { value: v.number() },
  handler: async (ctx, { value }) => {
    await ctx.db.insert("numbers", { value });
  },
});

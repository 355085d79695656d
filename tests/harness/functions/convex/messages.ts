// Functions the harness tests call: every kind, identity, errors, validators, scheduling.
import { ConvexError, v } from "convex/values";
import { action, internalMutation, mutation, query } from "./_generated/server";
import { api, internal } from "./_generated/api";

export const list = query({
  args: { limit: v.optional(v.number()) },
  handler: async (ctx, { limit }) => {
    const rows = await ctx.db.query("messages").order("desc").take(limit ?? 50);
    return rows.reverse().map(({ body, author }) => ({ body, author }));
  },
});

export const whoami = query({
  args: {},
  handler: async (ctx) => await ctx.auth.getUserIdentity(),
});

export const send = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) {
      throw new ConvexError({ code: "UNAUTHENTICATED", message: "sign in to send" });
    }
    return await ctx.db.insert("messages", { body, author: identity.name ?? identity.subject });
  },
});

export const fail = query({
  args: {},
  handler: async () => {
    throw new Error("boom");
  },
});

export const sendLater = mutation({
  args: { body: v.string(), delayMs: v.optional(v.number()) },
  handler: async (ctx, { body, delayMs }) => {
    await ctx.scheduler.runAfter(delayMs ?? 0, internal.messages.insertLater, { body });
  },
});

export const insertLater = internalMutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    await ctx.db.insert("messages", { body, author: "scheduler" });
  },
});

export const shout = action({
  args: { body: v.string() },
  handler: async (ctx, { body }): Promise<string> => {
    await ctx.runMutation(api.messages.send, { body: body.toUpperCase() });
    return body.toUpperCase();
  },
});

export const typed = query({
  args: {
    tags: v.array(v.string()),
    kind: v.union(v.literal("a"), v.literal("b")),
    ref: v.optional(v.id("messages")),
    meta: v.record(v.string(), v.number()),
    n: v.int64(),
  },
  handler: async (_ctx, args) => ({ tags: args.tags.length, kind: args.kind, n: args.n }),
});

export const badReturn = query({
  args: {},
  returns: v.string(),
  handler: async () => 5 as unknown as string,
});

export const hang = action({
  args: {},
  handler: async () => await new Promise<never>(() => {}),
});

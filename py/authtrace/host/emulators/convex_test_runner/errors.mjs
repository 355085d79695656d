// A function's failure as a Convex development deployment reports it to the client.
//
//   [Request ID: 3f2a9c0d1e7b4a55] Server Error
//   Uncaught Error: Not allowed
//       at handler (../convex/messages.ts:12:11)
//
// A ConvexError keeps its `data` (sent as `errorData`, which the client puts on
// the error it throws); the text says `Uncaught ConvexError: <message>`. The
// stack lists the frames inside the functions folder, relative to the project
// as the deployment's source maps show them.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const requestId = () => randomBytes(8).toString("hex");

export function serverError(detail) {
  return `[Request ID: ${requestId()}] Server Error\n${detail}`;
}

export function isConvexError(err) {
  return err !== null && typeof err === "object" &&
    (err[Symbol.for("ConvexError")] === true || err.name === "ConvexError") && "data" in err;
}

function framesIn(stack, dir) {
  const label = path.basename(dir);
  const out = [];
  for (const line of String(stack || "").split("\n").slice(1)) {
    const m = /^\s*at (?:(.*?) \()?(file:\/\/[^\s)]+|\/[^\s)]+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    let file = m[2];
    try { if (file.startsWith("file:")) file = fileURLToPath(file); } catch { continue; }
    const rel = path.relative(dir, file);
    if (rel.startsWith("..") || path.isAbsolute(rel) || rel.includes("node_modules")) continue;
    const where = `../${label}/${rel.split(path.sep).join("/")}:${m[3]}:${m[4]}`;
    out.push(m[1] ? `    at ${m[1]} (${where})` : `    at ${where}`);
  }
  return out;
}

/** `{message, data?}` for what a function threw; `convexToJson` encodes ConvexError data. */
export function describe(err, dir, convexToJson) {
  if (isConvexError(err)) {
    const frames = framesIn(err.stack, dir);
    const message = serverError([`Uncaught ConvexError: ${err.message}`, ...frames].join("\n"));
    let data;
    try { data = convexToJson(err.data === undefined ? null : err.data); } catch { data = String(err.data); }
    return { message, data };
  }
  if (err instanceof Error) {
    const frames = framesIn(err.stack, dir);
    return { message: serverError([`Uncaught ${err.name}: ${err.message}`, ...frames].join("\n")) };
  }
  let text;
  try { text = typeof err === "string" ? err : JSON.stringify(err); } catch { text = String(err); }
  return { message: serverError(`Uncaught ${text}`) };
}

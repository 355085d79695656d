// What the bridge reads from an access token: its claims and when it stops being
// usable. It only decodes (no signature check): the token came from AuthKit.

function b64urlDecode(s) {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  if (typeof atob === "function") {
    const bin = atob(b64);
    try {
      return decodeURIComponent(Array.from(bin, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""));
    } catch { return bin; }
  }
  return Buffer.from(b64, "base64").toString("utf8");
}

/** The JWT's payload claims, or null. Never throws. */
export function decodeClaims(token) {
  try {
    const part = String(token).split(".")[1];
    if (!part) return null;
    const claims = JSON.parse(b64urlDecode(part));
    return claims && typeof claims === "object" ? claims : null;
  } catch { return null; }
}

/**
 * When a token stops being usable, in ms on the injected clock: the earlier of
 * its `exp` and (receipt + lifetime) — the latter is what authkit-js itself uses,
 * and it survives a client clock that runs behind. null if it has no `exp`.
 */
export function tokenExpiry(token, receivedAt) {
  const c = decodeClaims(token);
  if (!c || typeof c.exp !== "number") return null;
  let at = c.exp * 1000;
  if (typeof c.iat === "number" && c.exp > c.iat && typeof receivedAt === "number") {
    at = Math.min(at, receivedAt + (c.exp - c.iat) * 1000);
  }
  return { expiresAt: at, lifetimeMs: typeof c.iat === "number" ? (c.exp - c.iat) * 1000 : null };
}

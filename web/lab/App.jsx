import { useEffect, useState } from "react";
import { useAuth } from "@workos-inc/authkit-react";
import { useConvexAuth, useMutation, useQuery } from "convex/react";
import { makeFunctionReference } from "convex/server";

const whoami = makeFunctionReference("auth:whoami");
const listMessages = makeFunctionReference("messages:list");
const sendMessage = makeFunctionReference("messages:send");

// Live state for people and for the scenario driver (data-* attributes).
export function App({ adapter, devMode }) {
  const { user, isLoading: authkitLoading, signIn, signOut, getAccessToken } = useAuth();
  const { isAuthenticated, isLoading } = useConvexAuth();
  const me = useQuery(whoami);
  const messages = useQuery(listMessages);
  const send = useMutation(sendMessage);
  const [body, setBody] = useState("");
  const [sent, setSent] = useState([]);
  // Hooks for the scenario driver: what a user's other code would call.
  globalThis.__labAuthkit = { getAccessToken, signOut, signIn };
  useEffect(() => {
    globalThis.__labState = { authkitUser: !!user, authkitLoading, convexAuthenticated: isAuthenticated, convexLoading: isLoading,
      whoami: me === undefined ? "loading" : me ? me.subject : null, messages: messages ? messages.length : null,
      mounted: true };
  });

  const submit = async (e) => {
    e.preventDefault();
    const text = body.trim();
    if (!text) return;
    setBody("");
    setSent((s) => [...s, text]);
    globalThis.__labSent = [...(globalThis.__labSent || []), text];
    try {
      await send({ body: text });
    } catch (err) {
      // A failure the user is told about is not a silently lost message.
      globalThis.__labFailed = [...(globalThis.__labFailed || []), text];
      console.warn("send failed", err);
    }
  };

  return (
    <main id="lab" data-authkit-user={user ? "yes" : "no"} data-convex-auth={isLoading ? "loading" : isAuthenticated ? "yes" : "no"}
      data-whoami={me === undefined ? "loading" : me ? me.subject : "null"} data-adapter={adapter}>
      <header>
        <h1>authtrace lab</h1>
        <p>adapter <code>{adapter}</code> · AuthKit {devMode ? "devMode (refresh token in localStorage)" : "cookie mode"}</p>
      </header>
      <section className="state">
        <div><b>AuthKit</b> <span id="authkit-user">{authkitLoading ? "loading…" : user ? `${user.email || user.id}` : "signed out"}</span></div>
        <div><b>Convex</b> <span id="convex-auth">{isLoading ? "loading…" : isAuthenticated ? "authenticated" : "not authenticated"}</span></div>
        <div><b>auth:whoami</b> <span id="whoami">{me === undefined ? "…" : me ? me.subject : "null"}</span></div>
        {user && !isLoading && !isAuthenticated ? <p id="split-brain" role="alert">Split brain: AuthKit has a user, Convex is not authenticated.</p> : null}
      </section>
      <section>
        {/* no Sign in while AuthKit restores a session: a click then would race the restore */}
        {authkitLoading ? null : user ? <button id="sign-out" onClick={() => signOut({ navigate: false })}>Sign out</button>
          : <button id="sign-in" onClick={() => signIn()}>Sign in</button>}
      </section>
      <section>
        <h2>Messages</h2>
        <form onSubmit={submit}>
          <input id="message-body" value={body} onChange={(e) => setBody(e.target.value)} placeholder="Say something" />
          <button id="send" type="submit">Send</button>
        </form>
        <ul id="messages">{(messages || []).map((m) => <li key={m._id}>{m.body}</li>)}</ul>
        <p className="muted">sent from this tab: {sent.length}</p>
      </section>
    </main>
  );
}

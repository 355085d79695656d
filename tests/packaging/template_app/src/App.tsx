import { Authenticated, Unauthenticated, useQuery } from "convex/react";
import { useAuth } from "@workos-inc/authkit-react";
import { api } from "../convex/_generated/api";

export default function App() {
  const { user, signIn, signOut } = useAuth();
  return (
    <main>
      <h1>Convex + React + WorkOS AuthKit</h1>
      <Authenticated>
        <Viewer />
        <button id="sign-out" onClick={() => signOut()}>Sign out</button>
      </Authenticated>
      <Unauthenticated>
        <p id="signed-out">{user ? "AuthKit has a user, Convex does not" : "Log in to see who you are"}</p>
        <button id="sign-in" onClick={() => void signIn()}>Sign in</button>
      </Unauthenticated>
    </main>
  );
}

function Viewer() {
  const viewer = useQuery(api.auth.whoami, {});
  if (viewer === undefined) return <p>loading…</p>;
  return <p id="viewer">Welcome {viewer?.name ?? viewer?.email ?? "Anonymous"}!</p>;
}

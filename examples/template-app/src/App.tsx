import { Authenticated, Unauthenticated, useMutation, useQuery } from "convex/react";
import { useAuth } from "@workos-inc/authkit-react";
import { api } from "../convex/_generated/api";

export default function App() {
  const { user, signIn, signOut } = useAuth();
  return (
    <main>
      <h1>Convex + React + WorkOS AuthKit</h1>
      <Authenticated>
        <Content />
        <button onClick={() => signOut()}>Sign out</button>
      </Authenticated>
      <Unauthenticated>
        <p id="signed-out">{user ? "AuthKit has a user, Convex does not" : "Log in to see the numbers"}</p>
        <button onClick={() => void signIn()}>Sign in</button>
      </Unauthenticated>
    </main>
  );
}

function Content() {
  const data = useQuery(api.myFunctions.listNumbers, { count: 10 });
  const addNumber = useMutation(api.myFunctions.addNumber);
  if (data === undefined) return <p>loading…</p>;
  return (
    <>
      <p id="viewer">Welcome {data.viewer ?? "Anonymous"}!</p>
      <button onClick={() => void addNumber({ value: Math.floor(Math.random() * 10) })}>Add a random number</button>
      <p id="numbers">Numbers: {data.numbers.length === 0 ? "none yet" : data.numbers.join(", ")}</p>
    </>
  );
}

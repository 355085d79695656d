// Type check of the drop-in swap (not run, compiled with `npm run typecheck:bridge`):
// the template's main.tsx with the bridge's import, against the real authkit-react,
// convex and React types. The @ts-expect-error lines must stay errors, so the
// declarations are not `any`.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthKitProvider, useAuth } from "@workos-inc/authkit-react";
import { ConvexReactClient, useConvexAuth } from "convex/react";
import {
  ConvexProviderWithAuthKit, // was: import { ConvexProviderWithAuthKit } from "@convex-dev/workos";
  type AuthBridgeState,
  classifyError,
  createTokenBroker,
  getAuthBridgeState,
  subscribeAuthBridgeEvents,
  useAuthBridgeState,
} from "../../index.js";

const convex = new ConvexReactClient("http://127.0.0.1:8765");

function Status() {
  const state: AuthBridgeState = useAuthBridgeState();
  const { isAuthenticated } = useConvexAuth();
  return <p>{state} {String(isAuthenticated)}</p>;
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthKitProvider clientId="client_local" redirectUri="http://127.0.0.1:5173/callback" devMode>
      <ConvexProviderWithAuthKit client={convex} useAuth={useAuth}>
        <Status />
      </ConvexProviderWithAuthKit>
      <ConvexProviderWithAuthKit client={convex} useAuth={useAuth}
        options={{ retryDelaysMs: [100, 200], cooldownMs: 1000, reloadOnSignOut: false, onEvent: (e) => void e.type }}>
        <Status />
      </ConvexProviderWithAuthKit>
    </AuthKitProvider>
  </StrictMode>,
);

const s: AuthBridgeState = getAuthBridgeState();
// @ts-expect-error not one of the four states
const bad: AuthBridgeState = "refreshed";
const unsubscribe: () => void = subscribeAuthBridgeEvents((e) => { const t: string = e.type; void t; });
const kind: "transient" | "terminal" = classifyError(new TypeError("Failed to fetch")).kind;
const broker = createTokenBroker({ getAccessToken: async () => "token", options: { leewayMs: 10_000 } });
const token: Promise<string | null> = broker.fetchToken({ forceRefreshToken: true });
// @ts-expect-error options are typed
createTokenBroker({ options: { cooldownMs: "5s" } });
// @ts-expect-error useAuth is required, as in @convex-dev/workos
const missing = <ConvexProviderWithAuthKit client={convex} />;
void [s, bad, unsubscribe, kind, token, missing];

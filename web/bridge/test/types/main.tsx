// Type check of the drop-in swap (not run, compiled with `npm run typecheck:bridge`):
// the template's main.tsx with the bridge's import, against the real authkit-react,
// convex, @convex-dev/workos and React types. The @ts-expect-error lines must stay
// errors, so the declarations are not `any`.
import { StrictMode, type ComponentProps } from "react";
import { createRoot } from "react-dom/client";
import { AuthKitProvider, useAuth } from "@workos-inc/authkit-react";
import { ConvexReactClient, useConvexAuth, type AuthTokenFetcher } from "convex/react";
import { ConvexProviderWithAuthKit as StockProvider } from "@convex-dev/workos";
import DefaultProvider, {
  ConvexProviderWithAuthKit, // was: import { ConvexProviderWithAuthKit } from "@convex-dev/workos";
  type AuthBridgeSnapshot,
  type AuthBridgeState,
  classifyError,
  createTokenBroker,
  getAuthBridgeSnapshot,
  getAuthBridgeState,
  refreshBreaker,
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
      <DefaultProvider client={convex} useAuth={useAuth}
        options={{ backoffBaseMs: 100, backoffCeilingMs: 2_000, hungAfterMs: 1_000, maxRejectedTokens: 2, reloadOnSignOut: false,
          holdAuthKitRefreshes: false, onEvent: (e) => void e.type }}>
        <Status />
      </DefaultProvider>
    </AuthKitProvider>
  </StrictMode>,
);

// -- a true drop-in: every props object the stock provider accepts, the bridge accepts ----------
type StockProps = ComponentProps<typeof StockProvider>;
export const swap = (props: StockProps) => <ConvexProviderWithAuthKit {...props} />;
// Spelled out: any client with setAuth/clearAuth, a useAuth whose getAccessToken takes
// no argument and may resolve null (signed out), and `user: any`.
const minimalClient = { setAuth(fetchToken: AuthTokenFetcher) { void fetchToken; }, clearAuth() {} };
const customUseAuth = () => ({ isLoading: false, user: { id: "u" } as any, getAccessToken: async (): Promise<string | null> => null });
export const custom = <ConvexProviderWithAuthKit client={minimalClient} useAuth={customUseAuth}><Status /></ConvexProviderWithAuthKit>;
export const stockStillFine = <StockProvider client={minimalClient} useAuth={customUseAuth}><Status /></StockProvider>;

const s: AuthBridgeState = getAuthBridgeState();
const misconfigured: AuthBridgeState = "misconfigured";
// @ts-expect-error not one of the five states
const bad: AuthBridgeState = "refreshed";
const snap: AuthBridgeSnapshot | null = getAuthBridgeSnapshot();
const calls: number | undefined = snap?.counters.forcedCalls;
const unsubscribe: () => void = subscribeAuthBridgeEvents((e) => { const t: string = e.type; void t; });
const kind: "transient" | "terminal" = classifyError(new TypeError("Failed to fetch")).kind;
const broker = createTokenBroker({ getAccessToken: async () => "token", options: { leewayMs: 10_000 } });
const token: Promise<string | null> = broker.fetchToken({ forceRefreshToken: true });
// @ts-expect-error options are typed
createTokenBroker({ options: { cooldownMs: "5s" } });
// @ts-expect-error holdAuthKitRefreshes is a boolean
createTokenBroker({ options: { holdAuthKitRefreshes: "yes" } });
const held: number = refreshBreaker().stats.held + (snap?.counters.heldRequests ?? 0);
// @ts-expect-error useAuth is required, as in @convex-dev/workos
const missing = <ConvexProviderWithAuthKit client={convex} />;
// @ts-expect-error a client needs setAuth and clearAuth
const noClear = <ConvexProviderWithAuthKit client={{ setAuth() {} }} useAuth={useAuth} />;
// @ts-expect-error getAccessToken must resolve a token (or null)
const numbers = <ConvexProviderWithAuthKit client={convex} useAuth={() => ({ isLoading: false, user: null, getAccessToken: async () => 42 })} />;
void [s, misconfigured, bad, calls, unsubscribe, kind, token, missing, noClear, numbers, held];

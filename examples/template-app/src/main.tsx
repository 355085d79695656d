import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthKitProvider, useAuth } from "@workos-inc/authkit-react";
import { ConvexReactClient } from "convex/react";
import { ConvexProviderWithAuthKit as StockAdapter } from "./ConvexProviderWithAuthKit";
import { ConvexProviderWithAuthKit as Bridge } from "authtrace/bridge";
import App from "./App.tsx";

// The template's stock adapter. In production the fix is one import
// (`import { ConvexProviderWithAuthKit } from "authtrace/bridge"`); this example
// keeps both so its tests can run the app either way: VITE_AUTH_ADAPTER=bridge.
const ConvexProviderWithAuthKit = import.meta.env.VITE_AUTH_ADAPTER === "bridge" ? Bridge : StockAdapter;

const convex = new ConvexReactClient(import.meta.env.VITE_CONVEX_URL);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthKitProvider clientId={import.meta.env.VITE_WORKOS_CLIENT_ID} redirectUri={import.meta.env.VITE_WORKOS_REDIRECT_URI}>
      <ConvexProviderWithAuthKit client={convex} useAuth={useAuth}>
        <App />
      </ConvexProviderWithAuthKit>
    </AuthKitProvider>
  </StrictMode>,
);

// The lab app, wired like WorkOS's Convex + React/Vite template
// (AuthKitProvider > ConvexProviderWithAuthKit), with the adapter chosen by
// ?adapter= and authtrace's one opt-in line (traceConvexOptions/traceUseAuth).
// The provider sits in a slot the scenario driver can unmount and mount again
// (harness.jsx lists everything the lab exposes to the driver).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthKitProvider, useAuth } from "@workos-inc/authkit-react";
import { ConvexReactClient } from "convex/react";
import { traceConvexOptions, traceUseAuth } from "authtrace/recorder";
import { adapterFor } from "./adapters.jsx";
import { App } from "./App.jsx";
import { labConvexLogger, ProviderSlot, Unmounted } from "./harness.jsx";

const config = globalThis.__AUTHTRACE_LAB__ || {};
// The lab's own parameters survive the sign-in round trip (the callback URL
// carries only code and state) by living in this tab's sessionStorage.
const fromUrl = new URLSearchParams(location.search);
if (fromUrl.has("adapter") || fromUrl.has("cookie") || fromUrl.has("verbose") || fromUrl.has("panel")) {
  sessionStorage.setItem("authtrace-lab:params", JSON.stringify({
    adapter: fromUrl.get("adapter"), cookie: fromUrl.has("cookie"), verbose: fromUrl.has("verbose"),
    panel: fromUrl.get("panel") !== "0" }));
}
const saved = JSON.parse(sessionStorage.getItem("authtrace-lab:params") || "{}");
const adapter = saved.adapter || "stock";
const devMode = saved.cookie ? false : (config.workos?.devMode ?? true);
const params = { has: (name) => !!saved[name] };

const verbose = params.has("verbose");
const convex = new ConvexReactClient(config.convexUrl, traceConvexOptions({ verbose, logger: labConvexLogger(verbose) }));
globalThis.__lab = { convex, adapter, devMode };
const Provider = adapterFor(adapter);

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <AuthKitProvider
      clientId={config.workos?.clientId}
      apiHostname={config.workos?.apiHostname}
      port={config.workos?.port}
      https={false}
      devMode={devMode}
      redirectUri={location.origin + "/callback"}
    >
      {Provider ? (
        <ProviderSlot Provider={Provider} client={convex} useAuth={useAuth} wrap={traceUseAuth}
          whileUnmounted={<Unmounted useAuth={useAuth} />}>
          <App adapter={adapter} devMode={devMode} />
        </ProviderSlot>
      ) : (
        <p role="alert">Unknown adapter “{adapter}”.</p>
      )}
    </AuthKitProvider>
  </StrictMode>,
);

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AuthKitProvider } from "@workos-inc/authkit-react";
import App from "./App.tsx";
import { ConvexClientWithAuth } from "./ConvexClientWithAuth.tsx";

const env = import.meta.env;

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AuthKitProvider
      clientId={env.VITE_WORKOS_CLIENT_ID}
      redirectUri={env.VITE_WORKOS_REDIRECT_URI}
      apiHostname={env.VITE_WORKOS_API_HOSTNAME || undefined}
      port={env.VITE_WORKOS_PORT ? Number(env.VITE_WORKOS_PORT) : undefined}
      https={env.VITE_WORKOS_HTTPS !== "false"}
      devMode={env.VITE_WORKOS_DEV_MODE === "true"}
    >
      <ConvexClientWithAuth>
        <App />
      </ConvexClientWithAuth>
    </AuthKitProvider>
  </StrictMode>,
);

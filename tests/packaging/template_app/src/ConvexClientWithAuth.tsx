import type { ReactNode } from "react";
import { ConvexReactClient } from "convex/react";
import { useAuth } from "@workos-inc/authkit-react";
import { traceConvexOptions, traceUseAuth } from "authtrace/recorder";
import { ConvexProviderWithAuthKit } from "./ConvexProviderWithAuthKit";

const convex = new ConvexReactClient(import.meta.env.VITE_CONVEX_URL as string, traceConvexOptions({}));

export function ConvexClientWithAuth({ children }: { children: ReactNode }) {
  return (
    <ConvexProviderWithAuthKit client={convex} useAuth={traceUseAuth(useAuth)}>
      {children}
    </ConvexProviderWithAuthKit>
  );
}

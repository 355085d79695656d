// Adapters the lab can run, chosen with ?adapter=:
//   stock       ConvexProviderWithAuthKit from @convex-dev/workos, as published (the control)
//   throw       like stock, but lets getAccessToken's error escape to Convex (the throw-wedge)
//   same-token  honours forceRefreshToken but hands Convex back the token it already had
//   resilient   reserved for the resilient bridge
import { useCallback, useMemo } from "react";
import { ConvexProviderWithAuth } from "convex/react";
import { ConvexProviderWithAuthKit } from "@convex-dev/workos";
import { ConvexProviderWithAuthKit as ResilientProvider } from "../bridge/index.js";

function variant(makeFetch) {
  return function LabProvider({ children, client, useAuth }) {
    const useAuthFromWorkOS = useMemo(() => function useAuthFromWorkOS() {
      const { isLoading, user, getAccessToken } = useAuth();
      const fetchAccessToken = useCallback(makeFetch(getAccessToken), [getAccessToken]);
      return useMemo(() => ({ isLoading, isAuthenticated: !!user, fetchAccessToken }),
        [isLoading, user, fetchAccessToken]);
    }, [useAuth]);
    return <ConvexProviderWithAuth client={client} useAuth={useAuthFromWorkOS}>{children}</ConvexProviderWithAuth>;
  };
}

// No try/catch: a rejected refresh reaches Convex's auth manager.
const ThrowAdapter = variant((getAccessToken) => async ({ forceRefreshToken } = {}) =>
  getAccessToken({ forceRefresh: !!forceRefreshToken }));

// Forced refreshes return the previous token string (convex-js#184).
const SameTokenAdapter = variant((getAccessToken) => {
  let last = null;
  return async ({ forceRefreshToken } = {}) => {
    try {
      if (forceRefreshToken && last) return last;
      last = await getAccessToken();
      return last;
    } catch {
      return null;
    }
  };
});

export function adapterFor(name) {
  switch (name) {
    case "stock": return ConvexProviderWithAuthKit;
    case "throw": return ThrowAdapter;
    case "same-token": return SameTokenAdapter;
    case "resilient": return ResilientProvider;
    default: return null;
  }
}

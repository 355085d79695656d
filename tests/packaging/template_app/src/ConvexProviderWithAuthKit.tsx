// The template keeps its own copy of the stock adapter: every getAccessToken
// failure becomes null, which Convex takes for a sign-out.
import { useCallback, useMemo, type ReactNode } from "react";
import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";

type AuthKitUseAuth = () => {
  isLoading: boolean;
  user: unknown;
  getAccessToken: () => Promise<string | null>;
};

export function ConvexProviderWithAuthKit(props: {
  children: ReactNode;
  client: ConvexReactClient;
  useAuth: AuthKitUseAuth;
}) {
  const { useAuth } = props;
  const useAuthForConvex = useMemo(
    () =>
      function useAuthForConvex() {
        const { isLoading, user, getAccessToken } = useAuth();
        const fetchAccessToken = useCallback(async () => {
          try {
            return await getAccessToken();
          } catch (error) {
            console.error("getAccessToken failed:", error);
            return null;
          }
        }, [getAccessToken]);
        return useMemo(
          () => ({ isLoading, isAuthenticated: !!user, fetchAccessToken }),
          [isLoading, user, fetchAccessToken],
        );
      },
    [useAuth],
  );
  return (
    <ConvexProviderWithAuth client={props.client} useAuth={useAuthForConvex}>
      {props.children}
    </ConvexProviderWithAuth>
  );
}

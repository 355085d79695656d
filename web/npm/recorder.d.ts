// `authtrace/recorder`: the client wrappers (../recorder/clients.js). Both return
// what they are given (same shape, same type) when the recorder is not on the page.
import type { ConvexReactClientOptions } from "convex/react";

/** Wrap the options you pass to `new ConvexReactClient(url, options)`. */
export declare function traceConvexOptions<T extends ConvexReactClientOptions>(options?: T): T;

/** Wrap AuthKit's `useAuth` before passing it to the Convex provider. */
export declare function traceUseAuth<H extends (...args: never[]) => unknown>(useAuth: H): H;

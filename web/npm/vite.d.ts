// `authtrace/vite`: the Vite plugin (../vite-plugin-authtrace.js).
import type { Plugin } from "vite";

export interface AuthtraceOptions {
  /** The Vite mode(s) that turn it on. Default "staging". */
  mode?: string | string[];
  /** Force it on or off (overrides `mode` and AUTHTRACE=1). */
  enabled?: boolean;
  /** The URL folder under Vite's base. Default "__authtrace/". */
  path?: string;
  /** Mount the debug panel (default true); false starts only the recorder. */
  panel?: boolean;
  /** Inject experiments.js and serve replay-inject.js (default true). */
  experiments?: boolean;
  /** Where boot.js and the other page scripts live (default: the package's recorder/). */
  recorderDir?: string;
  /** Where the page's wheels and their pyodide-lock.json live (default: the package's wheels/). */
  wheelsDir?: string;
}

/** Off: resolves `authtrace/recorder` to identity functions and adds nothing. On: recorder, panel, Pyodide. */
export default function authtrace(options?: AuthtraceOptions): Plugin;

// `authtrace/bridge`: the declarations of the resilient bridge (../bridge/index.d.ts).
export * from "../bridge/index.js";
export { default } from "../bridge/index.js";

export { TestConnection, type TestConnectionArgs } from "./resource";
export { testConnectionProvider } from "./provider";
export * from "./logic";

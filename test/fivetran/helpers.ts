/** Shared set-up for provider tests: a contract server, the env pointing at it, and a group to work in. */
import { fixture, startContractServer, useServerEnvironment, type ContractServer } from "./contract-server";

export async function startServerForProviders(): Promise<ContractServer> {
  const server = await startContractServer();
  useServerEnvironment(server);
  return server;
}

export function addGroup(server: ContractServer, name = `group_${server.state.groups.size + 1}`): string {
  const template = fixture("gf.groups.get.response.200.json").data;
  const id = `${template.id}_${server.state.groups.size + 1}`;
  server.state.groups.set(id, { ...template, id, name });
  return id;
}

/** The failing setup tests of the real `/test` payload (a string `details` and an array `details`). */
export function failingConnectionTests() {
  return fixture("gf.connections.test.response.200.json").data.setup_tests;
}

export function lastRequest(server: ContractServer, method: string, pathPattern: RegExp) {
  const found = [...server.requests].reverse().find((r) => r.method === method && pathPattern.test(r.path));
  if (!found) throw new Error(`no ${method} request matching ${pathPattern}`);
  return found;
}

/**
 * Test support: real registries on loopback (TLS, mutual TLS, htpasswd and token auth),
 * images pushed over the distribution API, and reads of what a registry holds.
 * Test infrastructure only: nothing here imports from src/.
 */
export type { AuthMode, Platform, PushedImage, PushImageOptions, StartRegistryOptions, TestRegistry, TlsMode } from './types.js';
export { freePort, startRegistry } from './registry.js';
export { pushImage, pushTags } from './images.js';
export { listRepositories, listTags, manifestDigest } from './queries.js';
export { hermeticEnv, makeTempDir } from './temp.js';
export { startFakeDockerHub, startSearchFront, type FakeService, type HubUser } from './hub-server.js';
export { FAULTS, startFaultProxy, type Fault, type FaultProxy, type FaultProxyOptions, type FaultRule, type ProxiedRequest } from './fault-proxy.js';

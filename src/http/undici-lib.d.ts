// Types for the undici files src/http/undici.ts imports one by one (undici types only its index).
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const AgentImpl: typeof Agent;
  export default AgentImpl;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici';
  const EnvHttpProxyAgentImpl: typeof EnvHttpProxyAgent;
  export default EnvHttpProxyAgentImpl;
}
declare module 'undici/lib/api/index.js' {
  import type { Dispatcher } from 'undici';
  const api: { request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>; connect: unknown };
  export default api;
}
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';
  const DispatcherImpl: typeof Dispatcher;
  export default DispatcherImpl;
}
declare module 'undici/lib/core/errors.js' {
  import type { errors } from 'undici';
  const errorsImpl: typeof errors;
  export default errorsImpl;
}

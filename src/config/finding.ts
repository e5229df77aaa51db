/** A problem found while checking a config, before it is given its line (see load.ts). */
import type { ConfigPath } from './config-path.js';

export interface Finding {
  severity: 'error' | 'warning';
  path: ConfigPath;
  message: string;
}

export const error = (path: ConfigPath, message: string): Finding => ({ severity: 'error', path, message });
export const warning = (path: ConfigPath, message: string): Finding => ({ severity: 'warning', path, message });

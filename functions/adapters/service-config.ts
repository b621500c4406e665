import { readFileSync } from 'node:fs';
import { defaultServiceConfig, parseServiceConfig, type ServiceConfig } from '../domain/config.js';

/** The config in `path`, checked, or the bundled one when no path is given: how every reader loads it. */
export function serviceConfigFrom(path: string | undefined): ServiceConfig {
  return path ? parseServiceConfig(JSON.parse(readFileSync(path, 'utf8'))) : defaultServiceConfig;
}

/**
 * The bundled config, unless SERVICE_CONFIG_PATH names another file (a second area, short deadlines in
 * tests). Read once per container.
 */
export const serviceConfig: ServiceConfig = serviceConfigFrom(process.env.SERVICE_CONFIG_PATH);

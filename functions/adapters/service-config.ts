import { readFileSync } from 'node:fs';
import { defaultServiceConfig, parseServiceConfig, type ServiceConfig } from '../domain/config.js';

/**
 * The bundled config, unless SERVICE_CONFIG_PATH names another file (a second area, short deadlines in
 * tests). Read once per container.
 */
export const serviceConfig: ServiceConfig = process.env.SERVICE_CONFIG_PATH
  ? parseServiceConfig(JSON.parse(readFileSync(process.env.SERVICE_CONFIG_PATH, 'utf8')))
  : defaultServiceConfig;

import * as path from 'node:path';
import type { TestProject } from 'vitest/node';
import { launchLocalCloud, PROJECT_ROOT, type LocalCloudHandle } from '../support/local-cloud-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    localCloud: LocalCloudHandle;
  }
}

/** One local cloud for the integration project, on free ports, stopped (and its children) afterwards. */
export default async function setup(project: TestProject) {
  const logFile = path.join(PROJECT_ROOT, 'test-results', `local-cloud-${Date.now()}.log`);
  const { handle, stop } = await launchLocalCloud({
    logFile,
    env: { SERVICE_CONFIG_PATH: path.join(PROJECT_ROOT, 'test/fixtures/service-config.two-areas.json') },
  });
  project.provide('localCloud', handle);
  return stop;
}

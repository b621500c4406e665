import { inject } from 'vitest';
import { crashMidWorkflow } from './scenarios/crash.js';
import { databaseOutage } from './scenarios/database-outage.js';
import { emailOutage } from './scenarios/email-outage.js';
import { hostileInput } from './scenarios/hostile-input.js';
import { underPlainLoad } from './scenarios/load.js';
import { noPersonalDetailsInLogs } from './scenarios/no-pii-in-logs.js';
import { workflowStartOutage } from './scenarios/workflow-start-outage.js';

// In this order, on one local cloud: the last scenario reads the logs of all the others. The crash comes
// first: a restart re-runs every open execution from the top, and after the load there are thousands.
const rig = inject('resilience');
crashMidWorkflow(rig);
underPlainLoad(rig);
databaseOutage(rig);
emailOutage(rig);
workflowStartOutage(rig);
hostileInput(rig);
noPersonalDetailsInLogs(rig);

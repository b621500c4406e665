import * as path from 'node:path';
import { cognitoDataDir, savedTotpSecrets } from './cognito-local.js';
import { chooseDataDir, runningClouds } from './running-clouds.js';
import { secondsLeftInStep, totpCode } from './totp.js';

// `npm run totp -- <username>`: the code a seeded demo user's authenticator app would show now, for
// signing in to the local cloud. The code alone goes to stdout, for scripts; the rest to stderr.

const projectRoot = path.resolve(import.meta.dirname, '..');
const usersIn = (dir: string) => savedTotpSecrets(cognitoDataDir(dir));

const choice = chooseDataDir({
  explicit: process.env.LOCAL_DATA_DIR, fallback: path.join(projectRoot, '.local'), running: runningClouds(),
  hasUsers: (dir) => Object.keys(usersIn(dir)).length > 0,
});
if (choice.kind === 'several') {
  console.error(`Several local clouds are running. Say which with LOCAL_DATA_DIR:\n${choice.running.map((c) => `  LOCAL_DATA_DIR=${c.dataDir} npm run totp -- <username>   (${c.api})`).join('\n')}`);
  process.exit(1);
}
const { dataDir } = choice;
const secrets = usersIn(dataDir);
const username = process.argv[2];
const known = Object.keys(secrets);

if (!known.length) {
  console.error(`No demo users in ${dataDir} yet, and no local cloud running with another LOCAL_DATA_DIR: start the local cloud (npm start) first.`);
  process.exit(1);
}
const secret = username ? secrets[username] : undefined;
if (!secret) {
  console.error(`${username ? `No demo user called ${username}.` : 'Which user?'} Usage: npm run totp -- <username>, one of:\n  ${known.join('\n  ')}`);
  process.exit(1);
}
console.log(totpCode(secret));
console.error(`(the code changes in ${secondsLeftInStep()} s)`);

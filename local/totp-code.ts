import * as path from 'node:path';
import { cognitoDataDir, savedTotpSecrets } from './cognito-local.js';
import { secondsLeftInStep, totpCode } from './totp.js';

// `npm run totp -- <username>`: the code a seeded demo user's authenticator app would show now, for
// signing in to the local cloud. The code alone goes to stdout, for scripts; the rest to stderr.

const projectRoot = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(process.env.LOCAL_DATA_DIR ?? path.join(projectRoot, '.local'));
const secrets = savedTotpSecrets(cognitoDataDir(dataDir));
const username = process.argv[2];
const known = Object.keys(secrets);

if (!known.length) {
  console.error(`No demo users in ${dataDir} yet: start the local cloud (npm start) first.`);
  process.exit(1);
}
const secret = username ? secrets[username] : undefined;
if (!secret) {
  console.error(`${username ? `No demo user called ${username}.` : 'Which user?'} Usage: npm run totp -- <username>, one of:\n  ${known.join('\n  ')}`);
  process.exit(1);
}
console.log(totpCode(secret));
console.error(`(the code changes in ${secondsLeftInStep()} s)`);

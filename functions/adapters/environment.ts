/** Settings come from the environment: the template sets them in AWS, the local cloud sets them here. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** `--name value` / `--name=value` arguments, falling back to an environment variable. */
export function readOption(
  argv: readonly string[],
  name: string,
  envName: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  const value = env[envName];
  return value === undefined || value === '' ? undefined : value;
}

/** A finite number ≥ min, or the default; anything else stops the program with a message. */
export function numberOption(
  argv: readonly string[],
  name: string,
  envName: string,
  fallback: number,
  min = 0,
): number {
  const raw = readOption(argv, name, envName);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    throw new Error(`--${name} (${envName}) must be a number ≥ ${min}, got '${raw}'`);
  }
  return n;
}

#!/usr/bin/env node
/**
 * The `cadre` command (the bin of @cadre/server). Sub-commands are loaded on
 * demand so that `generate` and `check` never start the engine.
 */
import { USAGE, UsageError } from './commands/usage.js';

async function main(argv: readonly string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      if (wantsHelp(rest)) return help();
      const { startEnv } = await import('./commands/start-options.js');
      Object.assign(process.env, startEnv(rest));
      // main.ts owns the process from here: it listens and handles signals.
      await import('./main.js');
      return null;
    }
    case 'check': {
      if (wantsHelp(rest)) return help();
      const { checkConfigFile } = await import('./commands/start-options.js');
      const { checkCommand } = await import('./commands/check-command.js');
      return checkCommand(checkConfigFile(rest), {
        out: (line) => process.stdout.write(`${line}\n`),
        env: process.env,
        cwd: process.cwd(),
      });
    }
    case 'generate': {
      const { generateCommand } = await import('./generator/generate-command.js');
      return generateCommand(rest);
    }
    case '-h':
    case '--help':
    case 'help':
      return help();
    default:
      throw new UsageError(
        command === undefined ? 'no command given' : `unknown command '${command}'`,
      );
  }
}

function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function help(): number {
  process.stdout.write(`${USAGE}\n`);
  return 0;
}

try {
  const code = await main(process.argv.slice(2));
  if (code !== null) process.exitCode = code;
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`cadre: ${err.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}

#!/usr/bin/env node
/**
 * The `cadre` command: `start` serves, `generate` floods a running server
 * with jobs. Sub-commands are loaded on demand so that `generate` never
 * pulls in the engine and its worker threads.
 */

const USAGE = `usage: cadre <command> [options]

commands:
  start      start the server (configured by environment, see shared/API.md)
  generate   submit a mix of jobs to a running server and report (--help for options)`;

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      // main.ts owns the process from here: it listens and handles signals.
      await import('./main.js');
      return;
    case 'generate': {
      const { generateCommand } = await import('./generator/generate-command.js');
      process.exitCode = await generateCommand(rest);
      return;
    }
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(
        `cadre: ${command === undefined ? 'no command given' : `unknown command '${command}'`}\n\n${USAGE}\n`,
      );
      process.exitCode = 2;
  }
}

await main(process.argv.slice(2));

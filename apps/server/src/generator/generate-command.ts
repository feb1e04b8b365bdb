/**
 * `cadre generate …`: parses the arguments, runs the generator, and turns
 * every failure into one line on stderr and an exit code (2 for bad usage,
 * 1 for a failed run), never a stack trace.
 */
import { GeneratorError, UsageError } from './errors.js';
import { processIo, type GeneratorIo } from './io.js';
import { parseGenerateArgs, USAGE } from './options.js';
import { runGenerator } from './run-generator.js';

export async function generateCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  io: GeneratorIo = processIo(),
): Promise<number> {
  try {
    const parsed = parseGenerateArgs(argv, env);
    if (parsed.help) {
      io.out.write(`${USAGE}\n`);
      return 0;
    }
    const report = await runGenerator(parsed.options, io);
    return report.timedOut ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err.write(`cadre generate: ${err.message}\n\n${USAGE}\n`);
      return err.exitCode;
    }
    if (err instanceof GeneratorError) {
      io.err.write(`cadre generate: ${err.message}\n`);
      return err.exitCode;
    }
    io.err.write(
      `cadre generate: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
}

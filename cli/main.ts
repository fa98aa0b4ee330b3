/**
 * The `labbook` command: the same engine as the editor, headless, for scripts and CI.
 * Exit codes: 0 success, 1 a notebook cell failed, 2 unusable input or a usage error.
 */
import { Command, CommanderError, Option } from 'commander';
import { cellLabel, runNotebook } from './run-notebook';
import { createProgress } from './progress';
import { parseParameter, NotebookFormatError } from '../core/notebook/ipynb';
import { listRunsCommand } from './runs';
import { whoAmI } from '../core/who';
import { registerModelCommands } from './models';
import { registerTestModelCommand } from './test-model';
import { registerProfileCommand } from './profile';
import { registerDriftCommand } from './drift';
import { registerImportanceCommand } from './importance';
import { registerSuiteCommands } from './suite';
import { registerDeployCommands } from './deploy';
import { registerStoreCommands } from './store-copy';
import { registerSweepCommands } from './sweep';
import { registerDatacentricCommands } from './datacentric';
import { UsageError } from './errors';
import { existingStore } from './store';
import type { KernelClient } from '../kernel/client';
import { openRunStore, resolveStoreLocation, storeName, type StoreLocation } from '../core/store';
import { ARTIFACTS_ENV_VAR } from '../core/store/location';
import * as path from 'node:path';
import { compareRuns, resolveRunIds } from '../core/compare/compare';
import { comparisonMarkdown } from '../core/common/comparison';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from dist/cli/ at run time; an import would resolve it from the source folder
const { version } = require('../../package.json') as { version: string };

export { UsageError };

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildProgram(): Command {
  const program = new Command('labbook')
    .description(
      'Labbook: run TypeScript notebooks and query experiment runs from the command line',
    )
    .version(version)
    .addOption(
      new Option(
        '--store <file-or-url>',
        'store of runs: a SQLite file or a postgres:// URL (default: $LABBOOK_STORE or .labbook/labbook.db)',
      ),
    )
    .addOption(
      new Option(
        '--artifacts <dir>',
        'artifact root new artifacts are written to, e.g. a shared folder (default: $LABBOOK_ARTIFACTS or artifacts/ beside the store)',
      ),
    )
    .hook('preAction', () => {
      // Every store this process opens (the CLI's and a notebook kernel's it starts) writes there.
      const artifacts = program.opts().artifacts as string | undefined;
      if (artifacts) process.env[ARTIFACTS_ENV_VAR] = path.resolve(artifacts);
    })
    .showHelpAfterError()
    .exitOverride();
  // Read when a command runs: --store is parsed after the program is built.
  // A SQLite file or a PostgreSQL URL: the stores every command opens take either.
  const storePath = (): string =>
    storeName(resolveStoreLocation({ path: program.opts().store as string | undefined }));
  // Commands that work on every backend take the location as given (a file or a URL).
  const storeLocation = (): StoreLocation =>
    resolveStoreLocation({ path: program.opts().store as string | undefined });

  program
    .command('run')
    .description('execute every code cell of a notebook in order and write the outputs into it')
    .argument('<notebook>', '.ipynb file')
    .option(
      '-p, --param <name=value>',
      'set a parameter (repeatable); injected after the cell tagged "parameters"',
      collect,
      [],
    )
    .option('-o, --out <file>', 'write the executed notebook here instead of in place')
    .option('--node <path>', 'node executable for the kernel', process.env.LABBOOK_NODE)
    .action(async (notebook: string, opts: { param: string[]; out?: string; node?: string }) => {
      const params = Object.fromEntries(
        opts.param.map((p) => {
          try {
            return parseParameter(p);
          } catch (error) {
            throw new UsageError((error as Error).message);
          }
        }),
      );
      const progress = createProgress();
      let kernel: KernelClient | undefined;
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts === 1 && kernel) {
          progress.log('Interrupting the running cell (Ctrl+C again to stop the kernel)…');
          kernel.interrupt();
        } else {
          void kernel?.shutdown(0);
        }
      };
      process.on('SIGINT', onSigint);
      try {
        const result = await runNotebook({
          notebook,
          out: opts.out,
          params,
          progress,
          nodePath: opts.node,
          storePath: storePath(),
          onKernel: (k) => {
            kernel = k;
          },
        });
        progress.stop();
        if (result.failure) {
          const f = result.failure;
          process.stderr.write(
            `C${cellLabel(f.cell - 1, result.cells).slice(1)} failed: ${f.ename}${f.evalue ? `: ${f.evalue}` : ''}\n` +
              `${result.executed} of ${result.total} code cells ran; outputs written to ${result.outFile}\n`,
          );
          process.exitCode = 1;
          return;
        }
        process.stderr.write(
          `Ran ${result.total} code cells in ${result.seconds.toFixed(1)}s; outputs written to ${result.outFile}\n`,
        );
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  program
    .command('runs')
    .description('list experiment runs')
    .option('-e, --experiment <name>', 'only runs of this experiment')
    .option('-f, --filter <query>', 'search, e.g. \'metrics.acc > 0.9 and params.lr = "0.01"\'')
    .option('--order-by <keys>', 'order, e.g. "metrics.acc DESC, params.lr"')
    .option(
      '--mine',
      'only runs I started ($LABBOOK_USER, else the git user here, else the OS user)',
    )
    .option('--json', 'print a JSON array')
    .action(
      async (opts: {
        experiment?: string;
        filter?: string;
        orderBy?: string;
        mine?: boolean;
        json?: boolean;
      }) => {
        const { mine, ...query } = opts;
        process.stdout.write(
          await listRunsCommand(storeLocation(), {
            ...query,
            ...(mine ? { user: whoAmI() } : {}),
          }),
        );
      },
    );

  program
    .command('compare')
    .description(
      'compare runs side by side: params that differ, latest metrics with the best marked',
    )
    .argument('<runIds...>', 'two or more run ids (or unique prefixes of at least 4 characters)')
    .option('--json', 'print JSON')
    .option('--markdown', 'print a markdown table (the default), e.g. for a pull request')
    .action(async (runIds: string[], opts: { json?: boolean; markdown?: boolean }) => {
      if (opts.json && opts.markdown) throw new UsageError('Choose one of --json and --markdown');
      const location = storeLocation();
      const store = await openRunStore(
        location.backend === 'postgres'
          ? { path: location.url, detectKilledRuns: false }
          : { path: existingStore(location.path, 'no runs to compare'), forReading: true },
      );
      try {
        const comparison = await compareRuns(store, await resolveRunIds(store, runIds));
        process.stdout.write(
          opts.json ? `${JSON.stringify(comparison, null, 2)}\n` : comparisonMarkdown(comparison),
        );
      } finally {
        await store.close();
      }
    });

  registerModelCommands(program, storePath);
  registerTestModelCommand(program, storePath);
  registerProfileCommand(program, storePath);
  registerDriftCommand(program);
  registerImportanceCommand(program, storeLocation);
  registerSuiteCommands(program, storePath);
  registerDeployCommands(program, storePath);
  registerStoreCommands(program);
  registerSweepCommands(program, storePath);
  registerDatacentricCommands(program);

  return program;
}

/**
 * The first word that names no command, walking command groups (`deployment`, `suite`):
 * commander answers `labbook anything --help` with the top-level help and exit 0, which
 * hides a typo in a CI script. Options before a command word are the program's own.
 */
export function unknownCommand(
  program: Command,
  argv: readonly string[],
): { word: string; under: Command } | null {
  let command = program;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return null;
    if (arg.startsWith('-')) {
      const option = command.options.find((o) => o.long === arg.split('=')[0] || o.short === arg);
      if (option && (option.required || option.optional) && !arg.includes('=')) i++; // its value
      continue;
    }
    if (command.commands.length === 0) return null; // an operand of a leaf command
    if (arg === 'help') return null; // commander's own `help [command]`
    const next = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!next) return { word: arg, under: command };
    command = next;
  }
  return null;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const unknown = unknownCommand(program, argv);
  if (unknown) {
    const where = unknown.under === program ? 'labbook' : `labbook ${unknown.under.name()}`;
    const names = unknown.under.commands.map((c) => c.name()).filter((n) => n !== 'help');
    process.stderr.write(
      `labbook: unknown command '${unknown.word}' for ${where}; the commands are: ${names.join(', ')} (see \`${where} --help\`)\n`,
    );
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message; --help and --version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    const known =
      error instanceof UsageError ||
      error instanceof NotebookFormatError ||
      (error instanceof Error &&
        [
          'ChildStartError',
          'StoreError',
          'SearchSyntaxError',
          'CompareError',
          'RegistryError',
          'SuiteError',
          'DataError',
        ].includes(error.name));
    process.stderr.write(
      `labbook: ${known ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    return 2;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

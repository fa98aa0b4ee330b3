/**
 * `labbook sweep worker STUDY --notebook NB.ipynb [--trials N]`: one more worker for a
 * shared study, on any machine that reaches the store. The notebook runs headless (as
 * `labbook run` runs it) once, and its `lab.sweep({ study: "STUDY", … }, fn)` cell takes
 * trials from the study: it claims each, heartbeats on a timer, runs it as a child run of
 * the study's parent, prunes and reports, until the study is done or N trials ran. The
 * notebook's code is the trial; the CLI says which study and how many trials
 * (LABBOOK_SWEEP_STUDY, LABBOOK_SWEEP_TRIALS, which lab.sweep reads) and sums up after.
 */
import type { Command } from 'commander';
import { openStore, studyStore } from '../core/store';
import { SWEEP_STUDY_ENV, SWEEP_TRIALS_ENV } from '../core/sweep/worker';
import { UsageError } from './errors';
import { createProgress } from './progress';
import { runNotebook } from './run-notebook';

export function registerSweepCommands(program: Command, storePath: () => string): void {
  const sweep = program.command('sweep').description('shared hyperparameter studies');
  sweep
    .command('worker')
    .description('take trials from a shared study by running a notebook whose lab.sweep names it')
    .argument('<study>', 'the study, as the notebook names it in lab.sweep({ study })')
    .requiredOption(
      '--notebook <file>',
      '.ipynb file whose lab.sweep({ study }) cell runs the trials',
    )
    .option('--trials <n>', 'run at most this many trials here')
    .option('--node <path>', 'node executable for the kernel', process.env.LABBOOK_NODE)
    .action(
      async (studyName: string, opts: { notebook: string; trials?: string; node?: string }) => {
        let trials: number | undefined;
        if (opts.trials !== undefined) {
          trials = Number(opts.trials);
          if (!Number.isSafeInteger(trials) || trials <= 0)
            throw new UsageError(`--trials must be a positive whole number, got "${opts.trials}"`);
        }
        const store = openStore({ path: storePath() });
        const studies = studyStore(store);
        const before = studies.study(studyName);
        store.close();
        if (!before)
          process.stderr.write(
            `study "${studyName}" is not in the store yet: the notebook's lab.sweep will create it from its spec\n`,
          );
        process.env[SWEEP_STUDY_ENV] = studyName;
        if (trials !== undefined) process.env[SWEEP_TRIALS_ENV] = String(trials);
        const progress = createProgress();
        const result = await runNotebook({
          notebook: opts.notebook,
          // The worker runs the notebook for its trials; the file on disk stays as it was.
          out: `${opts.notebook}.worker-${process.pid}.ipynb`,
          params: {},
          progress,
          nodePath: opts.node,
          storePath: storePath(),
        });
        progress.stop();
        if (result.failure) {
          process.stderr.write(
            `the notebook failed at cell ${result.failure.cell}: ${result.failure.ename}: ${result.failure.evalue}\n`,
          );
          process.exitCode = 1;
          return;
        }
        const after = openStore({ path: storePath() });
        try {
          const study = studyStore(after).study(studyName);
          if (!study)
            throw new UsageError(
              `the notebook ran, but no study "${studyName}" exists: does its lab.sweep name it?`,
            );
          const all = studyStore(after).trials(study.id);
          const count = (state: string) => all.filter((t) => t.state === state).length;
          const best = studyStore(after).bestTrial(study.id);
          process.stderr.write(
            `study ${studyName}: ${count('finished')} finished, ${count('pruned')} pruned, ${count('failed')} failed, ` +
              `${count('running')} running, ${count('queued')} queued` +
              (best ? `; best ${study.metric} ${best.value} (trial ${best.number})` : '') +
              '\n',
          );
        } finally {
          after.close();
        }
      },
    );
}

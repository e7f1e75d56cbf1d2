import Mocha from "mocha";

/**
 * mocha's spec reporter, plus one closing line in the plain form CI reads in any language:
 * `N passed, N failed` (`, N skipped` when any test was pending).
 */
class SpecWithTally extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const stats = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const skipped = stats.pending > 0 ? `, ${stats.pending} skipped` : "";
      process.stdout.write(`\n${stats.passes} passed, ${stats.failures} failed${skipped}\n`);
    });
  }
}

export = SpecWithTally;

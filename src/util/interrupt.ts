type Cleanup = () => Promise<void>;

const EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Runs `cleanups` (newest first) when the process is told to stop (a cancelled workflow run, Ctrl-C), then exits
 * with 128 + the signal's number: a worktree, an image or a temporary directory made so far is not left behind.
 * Returns the function that removes the handlers once the work is done.
 */
export function cleanUpOnSignal(cleanups: Cleanup[], say: (message: string) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: removing what this run made, then stopping`);
    void (async () => {
      for (const c of [...cleanups].reverse()) await c().catch(() => {});
      process.exit(EXIT[signal] ?? 1);
    })();
  };
  const signals = Object.keys(EXIT) as NodeJS.Signals[];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

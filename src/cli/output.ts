export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal a person watches (buildx may draw its own progress there). */
  errIsTerminal?: boolean;
}

export const processOutput: Output = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  get errIsTerminal() {
    return process.stderr.isTTY === true && process.env.TERM !== 'dumb';
  },
};

export type Format = 'text' | 'json' | 'markdown';

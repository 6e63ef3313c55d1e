/**
 * buildx's plain progress, one line per finished step, for a terminal or a CI log that is not the runner's
 * (the action shows buildx's own lines): `#5 [build 2/3] RUN make` then `#5 DONE 12.3s` becomes
 * `  done [build 2/3] RUN make (12.3s)`. Steps BuildKit runs for itself (`[internal] …`) are left out. Pure but for
 * its state: feed it the lines in order.
 */
export function stepLines(): (line: string) => string | null {
  const names = new Map<string, string>();
  return (line) => {
    if (!line.startsWith('#')) return null;
    const space = line.indexOf(' ');
    if (space < 2) return null;
    const id = line.slice(1, space);
    if (!/^\d{1,6}$/.test(id)) return null;
    const rest = line.slice(space + 1);
    // Each build numbers its steps from #0 again ("#0 building with …"), and a `[…]` line always names a step.
    if (id === '0') names.clear();
    const name = names.get(id);
    if (name === undefined || rest.startsWith('[')) {
      // A step's first line is its name; later ones are its status or its output (`#5 0.412 …`).
      if (names.size < 10_000) names.set(id, rest.slice(0, 200));
      return null;
    }
    if (name.startsWith('[internal]')) return null;
    if (rest === 'CACHED') return `  cached ${name}`;
    if (rest.startsWith('DONE ')) return `  done ${name} (${rest.slice(5)})`;
    if (rest.startsWith('ERROR')) return `  failed ${name}`;
    return null;
  };
}

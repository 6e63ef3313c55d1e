import bytes from 'bytes-iec';

/** SI units, as `docker images` prints them: 1 MB = 1,000,000 bytes. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const text = bytes.format(Math.abs(n), {
    unitSeparator: ' ',
    decimalPlaces: Math.abs(n) < 1000 ? 0 : 1,
    mode: 'metric',
  });
  return (n < 0 ? '−' : '') + (text ?? `${n} B`);
}

export function formatSignedBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return (n > 0 ? '+' : n === 0 ? '±' : '') + formatBytes(n);
}

export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatSignedPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const text = formatPercent(Math.abs(fraction), digits);
  return (fraction > 0 ? '+' : fraction < 0 ? '−' : '±') + text;
}

/** Cuts a one-line text to max characters, marking the cut. */
export function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/**
 * A percent for a headline, in whole numbers where that is honest: never "100 %" or "0 %" for a value that is
 * not exactly that (−99.6 % is "99.6 %", +0.04 % is "0.04 %").
 */
export function headlinePercent(fraction: number): string {
  const abs = Math.abs(fraction * 100);
  for (let digits = abs < 1 ? 1 : 0; digits < 6; digits++) {
    const s = abs.toFixed(digits);
    const n = Number(s);
    if ((n !== 100 || abs === 100) && (n !== 0 || abs === 0)) return s;
  }
  return abs.toPrecision(2);
}

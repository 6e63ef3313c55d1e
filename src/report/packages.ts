import { markdownTable } from 'markdown-table';
import type { EcosystemChange, PackageChange, PackagesChange } from '../model/comparison.js';
import type { Ecosystem, PackageInventory } from '../model/packages.js';
import { code, text } from './escape.js';
import { formatBytes, formatSignedBytes, layerName } from './format-md.js';
import { formatBytes as plainBytes, formatSignedBytes as plainSigned } from '../util/format.js';

const COMPACT = { alignDelimiters: false } as const;
/** Package lines shown per ecosystem; the rest are summed in one line so the column still adds up. */
export const PACKAGE_LINES = 12;

const NAMES: Record<Ecosystem, string> = { deb: 'Debian (dpkg)', apk: 'Alpine (apk)', python: 'Python', node: 'npm' };

/** "3 added · 45 removed · 2 upgraded" for the ecosystem's summary. */
function counts(e: EcosystemChange): string {
  const parts: string[] = [];
  const c = e.counts;
  if (c.added) parts.push(`${c.added} added`);
  if (c.removed) parts.push(`${c.removed} removed`);
  if (c.upgraded) parts.push(`${c.upgraded} upgraded`);
  if (c.downgraded) parts.push(`${c.downgraded} downgraded`);
  if (c.changed) parts.push(`${c.changed} changed version`);
  if (c.grown + c.shrunk) parts.push(`${c.grown + c.shrunk} changed size`);
  return parts.length ? parts.join(' · ') : 'no package changed';
}

function versionCell(p: PackageChange): string {
  if (p.kind === 'added') return `added ${code(p.headVersion ?? '', 40)}`;
  if (p.kind === 'removed') return `removed ${code(p.baseVersion ?? '', 40)}`;
  if (p.baseVersion !== p.headVersion) return `${code(p.baseVersion ?? '', 40)} → ${code(p.headVersion ?? '', 40)}`;
  return code(p.headVersion ?? '', 40);
}

function ecosystemTable(e: EcosystemChange, limit: number): string {
  const shown = e.changes.slice(0, limit);
  const rest = e.changes.slice(limit);
  const rows = [
    [`${NAMES[e.ecosystem]} package`, 'Version', 'Change', 'Layer'],
    ...shown.map((p) => [code(p.name, 60), versionCell(p), formatSignedBytes(p.delta), layerName(p.side, p.layer)]),
  ];
  if (rest.length > 0) {
    const sum = rest.reduce((s, p) => s + p.delta, 0);
    rows.push([`_${rest.length} more packages_`, '', formatSignedBytes(sum), '']);
  }
  rows.push([`_not in any ${e.ecosystem} package_`, '', formatSignedBytes(e.unowned.delta), '']);
  rows.push(['**final filesystem**', '', `**${formatSignedBytes(e.delta)}**`, '']);
  return markdownTable(rows, { align: ['l', 'l', 'r', 'l'], ...COMPACT });
}

/** How many lines the section takes: short ones are shown open. */
function lineCount(p: PackagesChange): number {
  return p.ecosystems.reduce((s, e) => s + Math.min(e.changes.length, PACKAGE_LINES) + 2, 0);
}

/**
 * The comment's "Packages" section: per ecosystem, the largest package changes with their bytes, then the bytes
 * no package owns, adding up to the final filesystem's change. Null when no package database was found.
 */
export function packagesMarkdown(p: PackagesChange): { summary: string; body: string; open: boolean } | null {
  const ecosystems = p.ecosystems.filter((e) => e.changes.length > 0 || e.unowned.delta !== 0);
  if (ecosystems.length === 0 && p.notRead.length === 0) return null;
  const parts: string[] = [];
  for (const e of ecosystems) {
    if (parts.length) parts.push('');
    parts.push(`${NAMES[e.ecosystem]}: ${counts(e)}`, '', ecosystemTable(e, PACKAGE_LINES));
    for (const n of e.notes.slice(0, 5)) parts.push('', `_${text(n)}_`);
  }
  for (const n of p.notRead)
    parts.push('', `_${n.side === 'head' ? 'PR' : 'base'}: ${text(n.ecosystem)} not read: ${text(n.reason)}_`);
  const summary = ecosystems.map((e) => `${e.ecosystem} ${counts(e)}`).join('; ') || 'not read';
  return { summary, body: parts.join('\n'), open: lineCount({ ...p, ecosystems }) <= 10 };
}

export function packagesText(p: PackagesChange): string[] {
  const out: string[] = [];
  for (const e of p.ecosystems) {
    if (e.changes.length === 0 && e.unowned.delta === 0) continue;
    out.push(`Packages: ${NAMES[e.ecosystem]} (${counts(e)})`);
    for (const c of e.changes.slice(0, 30)) {
      const version =
        c.kind === 'added'
          ? `added ${c.headVersion}`
          : c.kind === 'removed'
            ? `removed ${c.baseVersion}`
            : c.baseVersion !== c.headVersion
              ? `${c.baseVersion} -> ${c.headVersion}`
              : `${c.headVersion}`;
      const where = c.layer === null ? '' : `  [${c.side === 'head' ? 'head' : 'base'} layer ${c.layer}]`;
      out.push(
        `  ${plainSigned(c.delta).padStart(10)}  ${c.name}${c.location ? ` (${c.location})` : ''}  ${version}${where}`,
      );
    }
    const rest = e.changes.slice(30);
    if (rest.length)
      out.push(`  ${plainSigned(rest.reduce((s, c) => s + c.delta, 0)).padStart(10)}  ${rest.length} more packages`);
    out.push(`  ${plainSigned(e.unowned.delta).padStart(10)}  not in any ${e.ecosystem} package`);
    out.push(`  ${plainSigned(e.delta).padStart(10)}  final filesystem`);
    for (const n of e.notes) out.push(`  note: ${n}`);
  }
  for (const n of p.notRead) out.push(`Packages: ${n.ecosystem} not read in ${n.side}: ${n.reason}`);
  return out;
}

/** `measure`: the largest packages of one image and each ecosystem's total. */
export function inventoryText(inv: PackageInventory, limit = 15): string[] {
  const out: string[] = [];
  for (const e of inv.ecosystems) {
    const owned = e.packages.reduce((s, x) => s + x.bytes, 0);
    out.push(
      `Packages: ${NAMES[e.ecosystem]}, ${e.packages.length} packages, ${plainBytes(owned)} (not in any package: ${plainBytes(e.unowned.bytes)})`,
    );
    for (const x of e.packages.slice(0, limit))
      out.push(`  ${plainBytes(x.bytes).padStart(10)}  ${x.name} ${x.version}${x.location ? ` (${x.location})` : ''}`);
    for (const n of e.notes) out.push(`  note: ${n}`);
  }
  for (const n of inv.notRead) out.push(`Packages: ${n.ecosystem} not read: ${n.reason}`);
  if (inv.ecosystems.length === 0 && inv.notRead.length === 0) out.push('Packages: no package database found');
  return out;
}

export function inventoryMarkdown(inv: PackageInventory, limit = 10): string | null {
  if (inv.ecosystems.length === 0 && inv.notRead.length === 0) return null;
  const parts: string[] = [];
  for (const e of inv.ecosystems) {
    const owned = e.packages.reduce((s, x) => s + x.bytes, 0);
    if (parts.length) parts.push('');
    parts.push(
      `${NAMES[e.ecosystem]}: ${e.packages.length} packages, ${formatBytes(owned)}; not in any package ${formatBytes(e.unowned.bytes)}`,
      '',
      markdownTable(
        [
          ['Package', 'Version', 'Size'],
          ...e.packages.slice(0, limit).map((x) => [code(x.name, 60), code(x.version, 40), formatBytes(x.bytes)]),
        ],
        { align: ['l', 'l', 'r'], ...COMPACT },
      ),
    );
  }
  for (const n of inv.notRead) parts.push('', `_${text(n.ecosystem)} not read: ${text(n.reason)}_`);
  return parts.join('\n');
}

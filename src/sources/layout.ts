import { UserError } from '../errors.js';
import {
  isIndexMediaType,
  type Descriptor,
  type DockerArchiveManifestItem,
  type ImageConfig,
  type IndexDocument,
  type ManifestDocument,
  type Platform,
} from '../model/oci.js';
import { choosePlatform, isAttestation } from './platform.js';
import { checkDocument, ConfigSchema, DockerManifestSchema, IndexSchema, ManifestSchema } from './documents.js';

/** Bounds on what an index may make the walk visit: fan-out (the same blob listed many times) and depth. */
const MAX_INDEX_DOCUMENTS = 64;
const MAX_CANDIDATES = 1000;
const MAX_DEPTH = 8;

/** Read access to an image layout (an OCI layout or a `docker save` archive), by path inside it. */
export interface LayoutAccess {
  /** `kind` tells a registry which endpoint holds the document; files ignore it. */
  readJson(path: string, kind?: 'manifest' | 'config'): Promise<unknown | undefined>;
}

export interface ResolvedLayer {
  diffId: string;
  /** Where the layer's blob is in the layout. */
  blobPath: string;
  /** The manifest's descriptor, when the layout has one (not in Docker ≤ 24 archives). */
  descriptor: Descriptor | null;
}

export interface ResolvedImage {
  name: string | null;
  platform: Platform;
  config: ImageConfig;
  configDigest: string;
  configSize: number;
  /** Descriptor of the chosen platform manifest, when there is one. */
  manifest: { digest: string; size: number } | null;
  layers: ResolvedLayer[];
}

export interface ResolveOptions {
  platform?: Platform;
  /** Which image, when the layout holds several (docker save a b). */
  name?: string;
  /** Names the input in error messages. */
  what: string;
}

export function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

interface Candidate {
  name: string | null;
  descriptor: Descriptor;
}

const NAME_ANNOTATIONS = ['io.containerd.image.name', 'org.opencontainers.image.ref.name'];

function nameOf(d: Descriptor, inherited: string | null): string | null {
  for (const key of NAME_ANNOTATIONS) {
    const v = d.annotations?.[key];
    if (v) return v;
  }
  return inherited;
}

export function nameMatches(candidate: string | null, wanted: string): boolean {
  if (!candidate) return false;
  if (candidate === wanted) return true;
  const short = (n: string) => n.replace(/^docker\.io\/(library\/)?/, '');
  const withTag = (n: string) => (/:[^/]+$/.test(n) || n.includes('@') ? n : `${n}:latest`);
  return withTag(short(candidate)) === withTag(short(wanted));
}

interface Walk {
  seen: Set<string>;
  documents: number;
}

async function walkIndex(
  access: LayoutAccess,
  index: IndexDocument,
  inherited: string | null,
  out: Candidate[],
  what: string,
  walk: Walk = { seen: new Set(), documents: 0 },
  depth = 0,
): Promise<void> {
  if (depth > MAX_DEPTH) throw new UserError(`${what}: image indexes nest deeper than ${MAX_DEPTH}`);
  for (const d of index.manifests) {
    if (isAttestation(d)) continue;
    // Each blob is visited once, whatever the index lists: a fan-out of repeats costs nothing.
    if (walk.seen.has(d.digest)) continue;
    walk.seen.add(d.digest);
    const name = nameOf(d, inherited);
    const path = blobPath(d.digest);
    const raw = (await access.readJson(path, 'manifest')) as { manifests?: unknown } | null | undefined;
    if (isIndexMediaType(d.mediaType) || (raw && typeof raw === 'object' && 'manifests' in raw)) {
      if (raw === undefined) continue;
      if (++walk.documents > MAX_INDEX_DOCUMENTS)
        throw new UserError(`${what}: more than ${MAX_INDEX_DOCUMENTS} nested image indexes`);
      await walkIndex(access, checkDocument(IndexSchema, raw, what, path), name, out, what, walk, depth + 1);
      continue;
    }
    if (out.length >= MAX_CANDIDATES) throw new UserError(`${what}: more than ${MAX_CANDIDATES} image manifests`);
    // A manifest whose blob is absent (another platform, not pulled) is listed but cannot be measured.
    out.push({ name, descriptor: d });
  }
}

function chooseName<T extends { name: string | null }>(items: T[], wanted: string | undefined, what: string): T[] {
  if (wanted) {
    const hits = items.filter((i) => nameMatches(i.name, wanted));
    if (hits.length === 0) throw new UserError(`${what}: no image named ${wanted}`);
    return hits;
  }
  const names = [...new Set(items.map((i) => i.name ?? '<untagged>'))];
  if (names.length > 1) {
    throw new UserError(`${what}: holds ${names.length} images (${names.join(', ')}); name one as ${what}:NAME`);
  }
  return items;
}

async function readConfig(access: LayoutAccess, path: string, what: string): Promise<ImageConfig> {
  const config = await access.readJson(path, 'config');
  if (config === undefined) throw new UserError(`${what}: image config ${path} is missing`);
  return checkDocument(ConfigSchema, config, what, path) as ImageConfig;
}

async function readManifest(access: LayoutAccess, path: string, what: string): Promise<ManifestDocument | undefined> {
  const raw = await access.readJson(path, 'manifest');
  return raw === undefined ? undefined : checkDocument(ManifestSchema, raw, what, path);
}

function platformOf(config: ImageConfig): Platform {
  const p: Platform = { os: config.os ?? 'unknown', architecture: config.architecture ?? 'unknown' };
  if (config.variant) p.variant = config.variant;
  return p;
}

function diffIdsOf(config: ImageConfig, layerCount: number, what: string): string[] {
  const ids = config.rootfs?.diff_ids ?? [];
  if (ids.length !== layerCount) {
    throw new UserError(`${what}: the config lists ${ids.length} diff_ids for ${layerCount} layers`);
  }
  return ids;
}

async function resolveFromIndex(
  access: LayoutAccess,
  index: IndexDocument,
  options: ResolveOptions,
): Promise<ResolvedImage | null> {
  const candidates: Candidate[] = [];
  await walkIndex(access, index, null, candidates, options.what);
  if (candidates.length === 0) return null;
  const named = chooseName(candidates, options.name, options.what);
  // Fill in platforms from the configs where the index does not give them (single-platform saves).
  const withPlatform: { platform: Platform; value: { c: Candidate; manifest: ManifestDocument } }[] = [];
  const absent: Platform[] = [];
  for (const c of named) {
    const manifest = await readManifest(access, blobPath(c.descriptor.digest), options.what);
    if (!manifest) {
      if (c.descriptor.platform) absent.push(c.descriptor.platform);
      continue;
    }
    let platform = c.descriptor.platform;
    if (!platform) platform = platformOf(await readConfig(access, blobPath(manifest.config.digest), options.what));
    if (platform.os === 'unknown') continue;
    withPlatform.push({ platform, value: { c, manifest } });
  }
  if (withPlatform.length === 0) return null;
  const chosen = choosePlatform(withPlatform, options.platform, options.what);
  const { c, manifest } = chosen.value;
  const config = await readConfig(access, blobPath(manifest.config.digest), options.what);
  const diffIds = diffIdsOf(config, manifest.layers.length, options.what);
  return {
    name: c.name,
    platform: chosen.platform,
    config,
    configDigest: manifest.config.digest,
    configSize: manifest.config.size,
    manifest: { digest: c.descriptor.digest, size: c.descriptor.size },
    layers: manifest.layers.map((d, i) => ({ diffId: diffIds[i]!, blobPath: blobPath(d.digest), descriptor: d })),
  };
}

async function resolveFromDockerManifest(
  access: LayoutAccess,
  items: DockerArchiveManifestItem[],
  options: ResolveOptions,
  configSize: (path: string) => number | undefined,
): Promise<ResolvedImage> {
  const entries = items.flatMap((item): { name: string | null; item: DockerArchiveManifestItem }[] =>
    item.RepoTags?.length ? item.RepoTags.map((t) => ({ name: t, item })) : [{ name: null, item }],
  );
  const named = !options.name && items.length === 1 ? entries : chooseName(entries, options.name, options.what);
  const item = named[0]!.item;
  const config = await readConfig(access, item.Config, options.what);
  const platform = platformOf(config);
  choosePlatform([{ platform, value: item }], options.platform, options.what);
  const diffIds = diffIdsOf(config, item.Layers.length, options.what);
  const hex = /([0-9a-f]{64})(\.json)?$/.exec(item.Config)?.[1];
  return {
    name: named[0]!.name,
    platform,
    config,
    configDigest: hex ? `sha256:${hex}` : '',
    configSize: configSize(item.Config) ?? 0,
    manifest: null,
    layers: item.Layers.map((path, i) => ({
      diffId: diffIds[i]!,
      blobPath: path,
      descriptor: item.LayerSources?.[diffIds[i]!] ?? null,
    })),
  };
}

/**
 * Finds the image in a layout: through index.json (OCI layout, Docker ≥ 25 and containerd saves) when it leads to
 * a manifest that is present, else through Docker's manifest.json (Docker ≤ 24 saves, kaniko tarballs).
 */
export async function resolveLayout(
  access: LayoutAccess,
  options: ResolveOptions,
  configSize: (path: string) => number | undefined = () => undefined,
): Promise<ResolvedImage> {
  const rawIndex = await access.readJson('index.json', 'manifest');
  const index = rawIndex === undefined ? undefined : checkDocument(IndexSchema, rawIndex, options.what, 'index.json');
  if (index) {
    const resolved = await resolveFromIndex(access, index, options);
    if (resolved) return resolved;
  }
  const rawItems = await access.readJson('manifest.json');
  if (rawItems !== undefined) {
    const items = checkDocument(DockerManifestSchema, rawItems, options.what, 'manifest.json');
    return resolveFromDockerManifest(access, items as DockerArchiveManifestItem[], options, configSize);
  }
  if (index) throw new UserError(`${options.what}: index.json lists no image manifest whose blobs are present`);
  throw new UserError(
    `${options.what}: not an image (no manifest.json or index.json; a plain rootfs tar is not an image)`,
  );
}

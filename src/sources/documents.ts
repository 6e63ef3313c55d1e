import { z } from 'zod';
import { UserError } from '../errors.js';
import { DIGEST_PATTERN } from '../util/digest.js';

/**
 * The documents an image is made of, checked before use: everything read from an archive, a layout or a registry
 * may have been written by anyone. Unknown fields are dropped; the fields this tool reads must have the types it
 * expects, digests must be digests (before they become paths or URLs) and sizes must be sizes.
 */
const digest = z.string().regex(DIGEST_PATTERN, 'not a sha256/sha512 digest');
const size = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const short = z.string().max(256);

export const PlatformSchema = z.object({ os: short, architecture: short, variant: short.optional() });

export const DescriptorSchema = z.object({
  mediaType: short.optional(),
  digest,
  size,
  platform: PlatformSchema.optional(),
  annotations: z.record(z.string().max(1024), z.string().max(4096)).optional(),
});

export const IndexSchema = z.object({
  schemaVersion: z.number().optional(),
  mediaType: short.optional(),
  manifests: z.array(DescriptorSchema).max(1000),
});

export const ManifestSchema = z.object({
  schemaVersion: z.number().optional(),
  mediaType: short.optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema).max(1000),
});

const HistorySchema = z.object({
  created: z.string().max(64).optional(),
  created_by: z.string().max(65536).optional(),
  author: z.string().max(1024).optional(),
  comment: z.string().max(65536).optional(),
  empty_layer: z.boolean().optional(),
});

export const ConfigSchema = z.object({
  architecture: short.optional(),
  os: short.optional(),
  variant: short.optional(),
  created: z.string().max(64).optional(),
  config: z
    .object({ User: z.string().max(256).optional(), Env: z.array(z.string()).max(10000).nullable().optional() })
    .nullable()
    .optional(),
  rootfs: z.object({ type: short.optional(), diff_ids: z.array(digest).max(1000) }),
  history: z.array(HistorySchema).max(10000).nullable().optional(),
});

export const DockerManifestSchema = z
  .array(
    z.object({
      Config: z.string().max(1024),
      RepoTags: z.array(z.string().max(1024)).max(1000).nullable().optional(),
      Layers: z.array(z.string().max(1024)).max(1000),
      LayerSources: z.record(digest, DescriptorSchema).optional(),
    }),
  )
  .min(1)
  .max(1000);

/** The first problem zod found, as `manifests[0].digest: not a sha256/sha512 digest`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
  return `${path || '(top)'}: ${issue.message}`;
}

/** `value` checked against `schema`; a UserError naming the input, the file and the field otherwise. */
export function checkDocument<T extends z.ZodType>(schema: T, value: unknown, what: string, file: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new UserError(`${what}: ${file}: ${firstIssue(r.error)}`);
  return r.data;
}

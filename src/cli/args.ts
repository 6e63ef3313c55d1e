import { UserError } from '../errors.js';
import type { Format } from './output.js';

export function parseFormat(value: string | undefined): Format {
  if (value === 'text' || value === 'json' || value === 'markdown') return value;
  throw new UserError(`Invalid --format '${value}': expected text, json or markdown`);
}

/** Flags every command that measures images takes. */
export const IMAGE_FLAGS = {
  platform: { type: 'string' },
  format: { type: 'string', default: 'text' },
  'no-files': { type: 'boolean', default: false },
  'ignore-path': { type: 'string', multiple: true, default: [] as string[] },
} as const;

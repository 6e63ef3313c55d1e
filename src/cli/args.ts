import { UserError } from '../errors.js';
import type { Format } from './output.js';

export function parseFormat(value: string | undefined): Format {
  if (value === 'text' || value === 'json' || value === 'markdown') return value;
  throw new UserError(`Invalid --format '${value}': expected text, json or markdown`);
}

/**
 * GitHub's REST API as GitHub describes it (@octokit/openapi, api.github.com), as a validator for the fake: each
 * request the action sends and each answer the fake gives is checked against the operation GitHub documents for
 * that method and path (path, required body, body schema; status listed, answer schema). The schemas are GitHub's,
 * compiled with ajv; `nullable` and the other OpenAPI 3.0 keywords are read as OpenAPI means them.
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: {
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    examples: Record<string, { value: unknown }>;
  };
}

let loaded: { doc: Doc; ajv: Ajv; routes: { template: string; re: RegExp; params: number }[] } | null = null;

function load() {
  if (loaded) return loaded;
  const doc = require('@octokit/openapi/generated/api.github.com.json') as Doc;
  // Formats (date-time, uri, int64) are descriptions here, as in GitHub's own answers; the shapes are checked.
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, validateFormats: false });
  ajv.addSchema(doc as object, 'github');
  const routes = Object.keys(doc.paths).map((template) => ({
    template,
    re: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`),
    params: (template.match(/\{/g) ?? []).length,
  }));
  loaded = { doc, ajv, routes };
  return loaded;
}

const pointer = (...parts: string[]) =>
  `github#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
const compiled = new Map<string, ValidateFunction>();
function validator(ref: string): ValidateFunction {
  let v = compiled.get(ref);
  if (!v) compiled.set(ref, (v = load().ajv.compile({ $ref: ref })));
  return v;
}

function errorsOf(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message}`)
    .join('; ');
}

/** The documented operation for a method and path, with the template it matched (the most specific one). */
export function operationFor(method: string, pathname: string): { template: string; op: Operation } | null {
  const { doc, routes } = load();
  const match = routes.filter((r) => r.re.test(pathname)).sort((a, b) => a.params - b.params)[0];
  const op = match && doc.paths[match.template]![method.toLowerCase()];
  return match && op ? { template: match.template, op } : null;
}

/** What is wrong with one exchange by GitHub's description; empty when nothing is. */
export function violations(
  method: string,
  pathname: string,
  request: unknown,
  status: number,
  response: unknown,
): string[] {
  const where = `${method} ${pathname}`;
  const found = operationFor(method, pathname);
  if (!found) return [`${where}: no such operation in GitHub's REST API`];
  const { template, op } = found;
  const out: string[] = [];
  const m = method.toLowerCase();
  const body = op.requestBody?.content?.['application/json'];
  if (body?.schema) {
    if (request === undefined) {
      if (op.requestBody?.required) out.push(`${where}: the request has no body, which GitHub requires`);
    } else {
      const v = validator(pointer('paths', template, m, 'requestBody', 'content', 'application/json', 'schema'));
      if (!v(request)) out.push(`${where}: request body: ${errorsOf(v)}`);
    }
  }
  const key = op.responses[String(status)] ? String(status) : op.responses.default ? 'default' : null;
  // A rate limit's answer is allowed on every operation (GitHub documents it once, for all of them).
  if (key === null && (status === 403 || status === 429)) return out;
  if (key === null) return [...out, `${where}: status ${status} is not one GitHub documents for ${template}`];
  let ref = pointer('paths', template, m, 'responses', key);
  let answer = op.responses[key]!;
  if (answer.$ref) {
    const name = answer.$ref.split('/').pop()!;
    answer = load().doc.components.responses[name]!;
    ref = pointer('components', 'responses', name);
  }
  if (answer.content?.['application/json']?.schema) {
    const v = validator(`${ref}/content/application~1json/schema`);
    if (!v(response)) out.push(`${where}: ${status} answer: ${errorsOf(v)}`);
  }
  return out;
}

/** One of GitHub's own examples of a REST object (`issue-comment`, `pull-request`), a fresh copy. */
export function example<T>(name: string): T {
  return structuredClone(load().doc.components.examples[name]!.value) as T;
}

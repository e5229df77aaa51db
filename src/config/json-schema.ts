/**
 * The JSON Schema editors use to check and complete a dregsy config (e.g. VS Code's YAML
 * extension with `# yaml-language-server: $schema=...`). Made from the zod schema, on its
 * input side: what a user may write. Unknown keys stay allowed, as dregsy ignores them.
 */
import * as z from 'zod';
import { LISTER_TYPES, RELAY_TYPES, configSchema, listerSchema } from './schema.js';

const SAFE_BOUND = Number.MAX_SAFE_INTEGER;

function choices(json: Record<string, unknown>, values: readonly string[]): void {
  delete json.type;
  json.anyOf = [{ type: 'string', enum: [...values] }, { type: 'null' }];
}

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      // dregsy ignores unknown keys (we only warn), so an editor must not reject them
      delete json.additionalProperties;
      // `z.number().int()` adds JS's safe-integer bounds, which say nothing to a user
      if (json.minimum === -SAFE_BOUND) delete json.minimum;
      if (json.maximum === SAFE_BOUND) delete json.maximum;
      // the schema reads these as free text so that rules.ts can answer with dregsy's messages;
      // an editor can offer the choices
      if (ctx.zodSchema === configSchema.shape.relay) choices(json, RELAY_TYPES);
      if (ctx.zodSchema === listerSchema.shape.type) choices(json, LISTER_TYPES);
    },
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return {
    $schema,
    title: 'dregsy configuration',
    ...rest,
    // optional in zod so that the rules can answer a missing `tasks` with a located message;
    // for an editor it is what it is: required
    required: ['tasks'],
  };
}

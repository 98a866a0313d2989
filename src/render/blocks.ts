import { invalid, type FieldIssue } from '../errors.js';
import type { BlockSpec } from './manifest.js';
import { normaliseBlock } from './rich-text.js';

/**
 * The sender's blocks checked against the manifest: unknown names, non-strings, over-long
 * and emptied required blocks are all reported at once, each naming its block; missing
 * blocks take their default text.
 */
export function resolveBlocks(
  specs: readonly BlockSpec[],
  given: Record<string, unknown> | undefined,
): Record<string, string> {
  const issues: FieldIssue[] = [];
  const known = new Set(specs.map((spec) => spec.name));
  for (const name of Object.keys(given ?? {})) {
    if (!known.has(name)) {
      const expected =
        specs.length > 0
          ? `expected one of: ${specs.map((spec) => spec.name).join(', ')}`
          : 'this template has no editable block';
      issues.push({ path: `blocks.${name}`, message: `unknown block (${expected})` });
    }
  }
  const blocks: Record<string, string> = {};
  for (const spec of specs) {
    const value = given && Object.hasOwn(given, spec.name) ? given[spec.name] : spec.default;
    if (typeof value !== 'string') {
      issues.push({ path: `blocks.${spec.name}`, message: 'must be a string' });
      continue;
    }
    const text = normaliseBlock(value);
    // Counted in characters as a person sees them (an emoji is one), not UTF-16 units;
    // the code-point count is only needed when the UTF-16 length is already over.
    if (text.length > spec.maxLength && [...text].length > spec.maxLength)
      issues.push({ path: `blocks.${spec.name}`, message: `at most ${spec.maxLength} characters` });
    else if (spec.required && text === '') issues.push({ path: `blocks.${spec.name}`, message: 'must not be empty' });
    blocks[spec.name] = text;
  }
  if (issues.length > 0) throw invalid(issues, 'invalid_blocks');
  return blocks;
}

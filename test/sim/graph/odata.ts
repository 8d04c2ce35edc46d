// The OData query options the PIM for Groups routes read: `$filter` as `prop eq 'value'` clauses
// joined by `and` (what these APIs support), and `$expand` as a list of navigation properties
// (a nested `($expand=…)` kept as text). Anything else in a filter is a syntax error.

export type Filter = Map<string, string>;

/** Property names lower-cased (Graph matches them case-insensitively), values as written. */
export function parseFilter(text: string | null): Filter | { error: string } {
  const filter: Filter = new Map();
  if (text === null || text.trim() === '') return filter;
  const clause = /^\s*([A-Za-z][A-Za-z0-9]*)\s+eq\s+'((?:[^']|'')*)'\s*/;
  let rest = text;
  for (;;) {
    const m = clause.exec(rest);
    if (!m?.[1] || m[2] === undefined) return { error: `Invalid filter clause: Syntax error at position ${text.length - rest.length} in '${text}'.` };
    filter.set(m[1].toLowerCase(), m[2].replace(/''/g, "'"));
    rest = rest.slice(m[0].length);
    if (rest === '') return filter;
    const and = /^and\s+/.exec(rest);
    if (!and) return { error: `Invalid filter clause: Syntax error at position ${text.length - rest.length} in '${text}'.` };
    rest = rest.slice(and[0].length);
  }
}

/** `group,principal` → ['group','principal']; `policy($expand=rules)` → ['policy($expand=rules)']. */
export function parseExpand(text: string | null): string[] {
  if (!text) return [];
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      items.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) items.push(current.trim());
  return items.map((i) => i.replace(/\s+/g, ''));
}

/** A query option by name, `$`-prefixed or not (Graph reads both on these routes), case-insensitively. */
export function queryOption(url: URL, name: string): string | null {
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === `$${name}` || k.toLowerCase() === name) return v;
  return null;
}

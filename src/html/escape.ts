/**
 * Text that came from outside (a file's name, a path, a reason) made safe for each place it can
 * reach in a page. A file may be called `--><img src=x onerror=...>` or `"&?#%.mp4`: whatever
 * its name, it is shown as text and never read as markup.
 */

/** Element text (`<p>here</p>`, `<title>here</title>`): as an attribute, so one rule serves both. */
export function escapeText(text: string): string {
  return escapeAttribute(text);
}

/** An attribute value, in double or single quotes: `&`, `<`, `>`, `"` and `'` as references. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => REFERENCES[c] as string);
}

/**
 * Text inside `<!-- ... -->`. A comment ends at `-->` or `--!>`, and `<!--` inside one is an
 * error; character references are not decoded there, so `<` and `>` become `&lt;` and `&gt;`
 * literally: with neither left, no sequence can end the comment (`-` alone never does), and
 * the name stays readable. The text must not start with `>` or `->`; callers put a word first.
 */
export function escapeComment(text: string): string {
  return text.replace(/[&<>]/g, (c) => REFERENCES[c] as string);
}

const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Characters that have no business in text shown to a reader: C0 controls other than tab and newline, DEL, and
 * the bidi overrides and isolates (which can make code read other than it runs). One definition for the renderer
 * that replaces them and for the fixes that refuse lines carrying them.
 */
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** A line (without its `\n`) carries such a character; a CR that ends it is a line end, not one. */
export function hasControl(line: string): boolean {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

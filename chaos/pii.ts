/**
 * The PII scan: plaintext personal values (and secrets) of this run's applicants in a text, in the forms a
 * provider mapping or a log line might print them: an SSN with or without dashes, a phone with or without its
 * "+", a date of birth as ISO or US date, names and emails case-insensitively.
 */
import { readFile } from 'node:fs/promises';
import type { PiiMarks } from './load.js';

function formsOf(mark: PiiMarks): string[] {
  switch (mark.kind) {
    case 'ssn':
      return [mark.value, `${mark.value.slice(0, 3)}-${mark.value.slice(3, 5)}-${mark.value.slice(5)}`];
    case 'phone':
      return [mark.value, mark.value.replace(/^\+/, '')];
    case 'dateOfBirth': {
      const [year, month, day] = mark.value.split('-');
      return [mark.value, `${month}/${day}/${year}`, `${year}${month}${day}`];
    }
    default:
      return [mark.value];
  }
}

/** "<kind> <value-masked>" for each mark found in `text`. A PIN is looked for only beside a "pin" key. */
export function findMarks(text: string, marks: PiiMarks[]): string[] {
  const lower = text.toLowerCase();
  const found = new Set<string>();
  for (const mark of marks) {
    const hit =
      mark.kind === 'pin'
        ? new RegExp(`pin[^\\n]{0,12}${mark.value}`, 'i').test(text)
        : formsOf(mark).some((form) => lower.includes(form.toLowerCase()));
    if (hit) found.add(`${mark.kind} ${mark.value.slice(0, 2)}…`);
  }
  return [...found];
}

export async function scanFiles(files: string[], marks: PiiMarks[]): Promise<{ lines: number; findings: string[] }> {
  let lines = 0;
  const findings: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    lines += text.split('\n').length - 1;
    for (const finding of findMarks(text, marks)) findings.push(`${finding} in ${file.split('/').pop()}`);
  }
  return { lines, findings };
}

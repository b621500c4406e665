import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/** What the local Step Functions keeps of an execution across restarts. */
export interface JournalEntry {
  readonly name: string;
  readonly input: string;
  readonly status: string;
  readonly startDate: string;
}

/**
 * The local executions, one line appended per start and per end, the last line of a name standing.
 * Rewritten whole on every start and end, as it was, the file grew with every referral and each
 * referral's two rewrites with it (a third of a megabyte after a bench run, twice per referral, on the
 * event loop); appended, each is one short write. The local cloud compacts it as it starts.
 */
export class ExecutionJournal {
  constructor(private readonly file: string) {}

  /** Every execution's latest entry, in the order first seen. Reads the array an earlier version wrote. */
  read(): JournalEntry[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const byName = new Map<string, JournalEntry>();
    const lines = text.trimStart().startsWith('[') ? [text] : text.split('\n');
    for (const line of lines) {
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        // A line cut short by a crash mid-write: that one change is lost, as an unsaved write would be.
        // The reader compacts before it appends again, so nothing is ever written onto the end of it.
        continue;
      }
      for (const entry of Array.isArray(parsed) ? parsed as JournalEntry[] : [parsed as JournalEntry]) byName.set(entry.name, entry);
    }
    return [...byName.values()];
  }

  append(entry: JournalEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** Replaces the file with one line per execution (written aside and renamed in, so a crash leaves one or the other). */
  compact(entries: readonly JournalEntry[]): void {
    writeFileSync(`${this.file}.tmp`, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    renameSync(`${this.file}.tmp`, this.file);
  }
}

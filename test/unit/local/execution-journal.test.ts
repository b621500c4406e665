import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecutionJournal, type JournalEntry } from '../../../local/execution-journal.js';

const entry = (name: string, status: string): JournalEntry => ({ name, input: `{"reference":"${name}"}`, status, startDate: '2026-12-03T09:00:00.000Z' });
const aFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'executions.json');

describe('the local Step Functions\u2019 execution journal', () => {
  it('keeps each execution\u2019s latest entry, in the order first seen, one short line per change', () => {
    const file = aFile();
    const journal = new ExecutionJournal(file);
    expect(journal.read()).toEqual([]);
    journal.append(entry('SR-A', 'RUNNING'));
    journal.append(entry('SR-B', 'RUNNING'));
    journal.append(entry('SR-A', 'SUCCEEDED'));
    expect(journal.read()).toEqual([entry('SR-A', 'SUCCEEDED'), entry('SR-B', 'RUNNING')]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);

    journal.compact(journal.read());
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(new ExecutionJournal(file).read()).toEqual([entry('SR-A', 'SUCCEEDED'), entry('SR-B', 'RUNNING')]);
  });

  it('reads the whole-file array an earlier version wrote, and changes appended after it', () => {
    const file = aFile();
    writeFileSync(file, JSON.stringify([entry('SR-A', 'RUNNING'), entry('SR-B', 'FAILED')]));
    const journal = new ExecutionJournal(file);
    expect(journal.read()).toEqual([entry('SR-A', 'RUNNING'), entry('SR-B', 'FAILED')]);
    journal.compact(journal.read());
    journal.append(entry('SR-A', 'SUCCEEDED'));
    expect(journal.read()).toEqual([entry('SR-A', 'SUCCEEDED'), entry('SR-B', 'FAILED')]);
  });

  it('skips a last line a crash cut short, keeping everything before it', () => {
    const file = aFile();
    const journal = new ExecutionJournal(file);
    journal.append(entry('SR-A', 'RUNNING'));
    appendFileSync(file, '{"name":"SR-A","input":"{}","stat');
    expect(journal.read()).toEqual([entry('SR-A', 'RUNNING')]);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(path.join(ROOT, file)).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('the README and docs, read in a clone of this repository alone', () => {
  it('link only to files inside the repository, and every one exists', () => {
    for (const doc of DOCS) {
      for (const [, target] of read(doc).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const resolved = path.resolve(ROOT, path.dirname(doc), target!);
        expect(resolved.startsWith(`${ROOT}${path.sep}`), `${doc} links outside the repository: ${target}`).toBe(true);
        expect(existsSync(resolved), `${doc} links to a missing file: ${target}`).toBe(true);
      }
      expect(read(doc), `${doc} points outside the repository`).not.toMatch(/\.\.\/shared|SPEC\.md/);
    }
  });

  it('document every setting the local cloud, the tools, the tests and the bench read from the environment', () => {
    const readme = read('README.md');
    const settings = new Set<string>();
    for (const file of [...sourceFiles('local'), ...sourceFiles('bin'), ...sourceFiles('lib'), ...sourceFiles('bench'), ...sourceFiles('test/support')]) {
      const source = read(file);
      for (const [, name] of source.matchAll(/process\.env(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) settings.add(name!);
      for (const [, name] of source.matchAll(/\bport\('([A-Z][A-Z0-9_]+)'/g)) settings.add(name!);
    }
    expect(settings.size).toBeGreaterThan(10);
    for (const name of settings) expect(readme, `README names ${name}`).toContain(`\`${name}\``);
  });
});

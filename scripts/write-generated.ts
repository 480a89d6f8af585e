// Writes a generator's output into the folder it owns: every file it renders, and none it no longer renders.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface GeneratedFile {
  fileName: string;
  text: string;
}

/**
 * Writes `files` into `dir` and removes the files there ending in `ownedSuffix` that `files` does not name (the
 * output of kinds that no longer exist), so `dir` holds exactly what the generator says. Files with other endings
 * (a hand-written kustomization beside them) are left alone. Logs each change relative to the repository.
 */
export function writeGenerated(dir: string, files: readonly GeneratedFile[], ownedSuffix: string): void {
  const repo = join(import.meta.dirname, '..');
  const wanted = new Set(files.map((file) => file.fileName));
  for (const file of readdirSync(dir)) {
    if (file.endsWith(ownedSuffix) && !wanted.has(file)) {
      rmSync(join(dir, file));
      console.log(`removed ${relative(repo, join(dir, file))}`);
    }
  }
  for (const file of files) {
    writeFileSync(join(dir, file.fileName), file.text);
    console.log(`wrote ${relative(repo, join(dir, file.fileName))}`);
  }
}

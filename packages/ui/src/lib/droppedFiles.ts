import type { ImportSource } from '../store/state.js';

/**
 * The files of a drop, folders walked (the browser's entries API), each as an ImportSource. `pathFor`
 * gives the file's path on disk where the host can tell (the desktop app), so the engine can read it.
 */
export async function droppedFiles(transfer: DataTransfer, pathFor?: (file: File) => string | undefined): Promise<ImportSource[]> {
  const sources: ImportSource[] = [];
  const add = (file: File, relative?: string) => {
    const path = pathFor?.(file);
    sources.push({ name: relative ?? file.name, size: file.size, ...(path ? { path } : {}), read: () => file.arrayBuffer(), file });
  };
  const entries = Array.from(transfer.items ?? [])
    .filter((item) => item.kind === 'file')
    .map((item) => ({ entry: item.webkitGetAsEntry?.() ?? null, file: item.getAsFile() }));
  if (entries.length === 0) {
    for (const file of Array.from(transfer.files)) add(file);
    return sources;
  }
  for (const { entry, file } of entries) {
    if (entry?.isDirectory) await walk(entry as FileSystemDirectoryEntry, `${entry.name}/`, add);
    else if (file) add(file);
  }
  return sources;
}

async function walk(dir: FileSystemDirectoryEntry, prefix: string, add: (file: File, relative: string) => void): Promise<void> {
  const reader = dir.createReader();
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const entry of batch) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, `${prefix}${entry.name}/`, add);
      else add(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)), `${prefix}${entry.name}`);
    }
  }
}

// Path checks main makes before it hands a file to the OS or to the window.

/** Whether `path` lies inside `dir` (both absolute; either separator). */
export function isInside(path: string, dir: string): boolean {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const parts = norm(path).split('/');
  if (parts.includes('..')) return false;
  return norm(path).startsWith(`${norm(dir)}/`);
}

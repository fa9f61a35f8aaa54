// Files the OS asks the app to open: on the command line (Windows, Linux, and a second launch), or by
// macOS's `open-file` event, which may come before the window exists.

/** The file arguments of a launch: what is not a flag, not the executable, and not the app's folder. */
export function filesFromArgv(argv: readonly string[], options: { readonly packaged: boolean }): string[] {
  // Packaged: argv = [exe, ...args]. In development: argv = [electron, appPath, ...args].
  const args = argv.slice(options.packaged ? 1 : 2);
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--data') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    files.push(arg);
  }
  return files;
}

/** `--data DIR` from the command line, if given. */
export function dataDirFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--data') return argv[i + 1];
    if (argv[i]!.startsWith('--data=')) return argv[i]!.slice('--data='.length);
  }
  return undefined;
}

/** Holds files until a window can take them, then hands them over in order. */
export function createOpenFileQueue() {
  let pending: string[] = [];
  let deliver: ((paths: string[]) => void) | undefined;
  return {
    add(paths: readonly string[]) {
      if (paths.length === 0) return;
      if (deliver) deliver([...paths]);
      else pending.push(...paths);
    },
    /** The window is ready: deliver what waited, and everything after at once. */
    attach(target: (paths: string[]) => void) {
      deliver = target;
      if (pending.length > 0) target(pending);
      pending = [];
    },
    detach() {
      deliver = undefined;
    },
  };
}

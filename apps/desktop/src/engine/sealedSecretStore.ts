// The device token in the engine process: sealed by the OS keychain (main's safeStorage, over IPC), only the sealed
// bytes on disk. SecretStore is synchronous (SyncService reads it when it needs the token), the keychain is not: the
// token is unsealed once at start, kept in memory, and each new one is sealed and written in the background.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSecretStore, type SecretStore } from '@cairn/core';
import type { FromEngineProcess, KeychainAnswer, KeychainRequest } from '../ipc/contract.js';

export const SEALED_FILE = 'sync-credentials.sealed';
export const PLAIN_FILE = 'sync-credentials.json';

export interface Keychain {
  ask(op: KeychainRequest['op'], value: string | null): Promise<KeychainAnswer>;
}

/** The keychain as messages to main; `receive` takes main's answers. */
export function keychainOverPort(post: (message: FromEngineProcess) => void) {
  let nextId = 1;
  const waiting = new Map<number, (answer: KeychainAnswer) => void>();
  const keychain: Keychain = {
    ask: (op, value) =>
      new Promise((resolve) => {
        const requestId = nextId++;
        waiting.set(requestId, resolve);
        post({ kind: 'keychain', requestId, op, value });
      }),
  };
  return {
    keychain,
    receive(answer: KeychainAnswer) {
      const resolve = waiting.get(answer.requestId);
      waiting.delete(answer.requestId);
      resolve?.(answer);
    },
  };
}

export interface OpenedSecretStore {
  readonly store: SecretStore;
  /** `keychain`: sealed by the OS; `file`: no keychain here, the token is in a file only this user can read. */
  readonly kind: 'keychain' | 'file';
  /** Resolves when every token written so far is on disk (the engine process waits for it before exiting). */
  flushed(): Promise<void>;
}

/**
 * Opens the token store of a data directory. With a keychain: the sealed file is unsealed into memory; a token left in
 * the plain file (by the CLI, or before a keychain existed) is sealed and the plain file removed, so only the sealed
 * one stays. A sealed token the keychain can no longer open (another user, a reset keychain) counts as signed out:
 * the next sign-in replaces it. Without a keychain: core's {@link FileSecretStore} (mode 0600).
 */
export async function openSecretStore(dataDir: string, keychain: Keychain, log: (message: string) => void): Promise<OpenedSecretStore> {
  const sealedFile = join(dataDir, SEALED_FILE);
  const plain = new FileSecretStore(join(dataDir, PLAIN_FILE));
  const sealed = existsSync(sealedFile) ? readFileSync(sealedFile, 'utf8').trim() : null;
  const first = await keychain.ask('unseal', sealed || null);
  if (!first.available) return { store: plain, kind: 'file', flushed: () => Promise.resolve() };
  if (first.error !== undefined) log(`the sealed sync token could not be unsealed (${first.error}); sign in again`);

  let secret = first.value ?? undefined;
  let generation = 0;
  let pending: Promise<void> = Promise.resolve();
  const writeSealed = (value: string) => {
    const temp = `${sealedFile}.tmp`;
    writeFileSync(temp, value, { mode: 0o600 });
    renameSync(temp, sealedFile);
  };
  const seal = (value: string, afterwards?: () => void) => {
    const mine = ++generation;
    pending = pending.then(async () => {
      const answer = await keychain.ask('seal', value);
      // A later write or a removal superseded this one.
      if (mine !== generation) return;
      if (!answer.available || answer.value === null) return log(`the sync token could not be sealed (${answer.error ?? 'no keychain'}); it is kept until the app quits`);
      writeSealed(answer.value);
      afterwards?.();
    });
  };
  if (secret === undefined) {
    const left = plain.read();
    if (left !== undefined) {
      secret = left;
      seal(left, () => plain.remove());
    }
  }
  const store: SecretStore = {
    read: () => secret,
    write(value) {
      secret = value;
      seal(value, () => plain.remove());
    },
    remove() {
      secret = undefined;
      generation++;
      rmSync(sealedFile, { force: true });
      plain.remove();
    },
  };
  return { store, kind: 'keychain', flushed: () => pending };
}

// Main's side of the device token's keychain: Electron's safeStorage, which only main can reach, seals and
// unseals on the engine process's request. Main keeps nothing: the engine process holds the sealed token on disk.
import type { KeychainAnswer, KeychainRequest } from '../ipc/contract.js';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keyring was found and the "encryption" is a fixed key. */
  getSelectedStorageBackend?(): string;
}

/**
 * Whether sealing protects anything: on Linux without a keyring (gnome-libsecret, kwallet) Electron falls back to a
 * hard-coded key (`basic_text`), no better than a file only the user can read, so that counts as no keychain.
 */
export function keychainAvailable(safeStorage: SafeStorageLike, platform: string): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return false;
  return true;
}

export function answerKeychain(safeStorage: SafeStorageLike, platform: string, request: KeychainRequest): KeychainAnswer {
  const base = { kind: 'keychainAnswer', requestId: request.requestId } as const;
  if (!keychainAvailable(safeStorage, platform)) return { ...base, available: false, value: null };
  if (request.value === null) return { ...base, available: true, value: null };
  try {
    const value = request.op === 'seal' ? safeStorage.encryptString(request.value).toString('base64') : safeStorage.decryptString(Buffer.from(request.value, 'base64'));
    return { ...base, available: true, value };
  } catch (error) {
    return { ...base, available: true, value: null, error: error instanceof Error ? error.message : String(error) };
  }
}

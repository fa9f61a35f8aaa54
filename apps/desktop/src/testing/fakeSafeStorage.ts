// Electron's safeStorage for tests under Node: a reversible stand-in for the OS's encryption, so a test can check
// that what reaches the disk is not the token.
import type { SafeStorageLike } from '../main/keychain.js';

export function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}): SafeStorageLike {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text) => Buffer.from(`sealed:${Buffer.from(text).reverse().toString('hex')}`),
    decryptString: (sealed) => {
      const text = sealed.toString();
      if (!text.startsWith('sealed:')) throw new Error('not sealed by this keychain');
      return Buffer.from(text.slice('sealed:'.length), 'hex').reverse().toString();
    },
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
  };
}

import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 42-bit counter (RFC 9562 §6.2, method 1) seeded
 * at random each millisecond, then 32 random bits. Ids made by one process sort in creation order.
 * Random bytes come from a pool: one system call per 256 ids instead of one per id.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
let lastMs = -1;
let counter = 0; // 42 bits: 12 in rand_a, 30 in the top of rand_b

function randomBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

export function uuidv7(nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    const seed = randomBytes(6);
    // Seed with the top bit clear, leaving room to count up within the millisecond.
    counter = ((seed[0]! & 0x01) * 2 ** 40) + seed[1]! * 2 ** 32 + seed.readUInt32BE(2);
  } else {
    counter++;
    if (counter >= 2 ** 42) {
      lastMs++;
      counter = 0;
    }
  }
  const ms = lastMs;
  const tail = randomBytes(4);
  const randA = Math.floor(counter / 2 ** 30); // 12 bits
  const randBHigh = counter % 2 ** 30; // 30 bits
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  const timeHex = hex(ms, 12);
  const part3 = 0x7000 | randA;
  const part4 = 0x8000 | (randBHigh >>> 16); // variant 10 + 14 bits
  const part5 = hex(randBHigh & 0xffff, 4) + tail.toString('hex');
  return `${timeHex.slice(0, 8)}-${timeHex.slice(8)}-${hex(part3, 4)}-${hex(part4, 4)}-${part5}`;
}

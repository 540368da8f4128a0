import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type PresignedCheck = 'valid' | 'expired' | 'forged';

/**
 * Signs storage URLs the way object stores presign them: an expiry and an HMAC over path and
 * expiry, so the URL needs no Authorization header but stops working after `ttlMs`.
 */
export class Presigner {
  private readonly secret = randomBytes(32);

  constructor(
    /** The storage origin, e.g. `http://localhost:PORT`. */
    readonly storageUrl: string,
    private readonly ttlMs: number,
  ) {}

  static pathFor(generationId: string): string {
    return `/presigned/${generationId}.png`;
  }

  urlFor(generationId: string): string {
    const path = Presigner.pathFor(generationId);
    const expires = Date.now() + this.ttlMs;
    return `${this.storageUrl}${path}?expires=${expires}&signature=${this.sign(path, String(expires))}`;
  }

  check(path: string, query: URLSearchParams): PresignedCheck {
    const expires = query.get('expires') ?? '';
    const expected = Buffer.from(this.sign(path, expires));
    const given = Buffer.from(query.get('signature') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    return Date.now() > Number(expires) ? 'expired' : 'valid';
  }

  private sign(path: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('hex');
  }
}

import { nodeFileSystem, type SaverFileSystem, type WritableFile } from '../../../src/generation/saverFileSystem';

/** The calls of the save path a fault can hit; `write` fails mid-stream, after bytes were written. */
export type FaultPoint = 'mkdir' | 'open' | 'write' | 'sync' | 'link' | 'rename';
export type FaultCode = 'ENOSPC' | 'EROFS' | 'EACCES' | 'ENOTSUP';

const DESCRIPTIONS: Record<FaultCode, string> = {
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  ENOTSUP: 'operation not supported on socket',
};

/** An error shaped exactly as node's fs rejects with. */
export function errnoError(code: FaultCode, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${DESCRIPTIONS[code]}, ${syscall} '${path}'`), { code, syscall, path });
}

interface Arming {
  point: FaultPoint;
  code: FaultCode;
  /** How many calls at `point` fail before the disk "recovers" (the user freed space). */
  times: number;
}

/**
 * Node's real file system, except that the armed call fails like a full, read-only or forbidden
 * disk would (the tests run as root, where permissions cannot provoke this). Everything not
 * armed, including every file it creates, is real.
 */
export class FaultyFileSystem implements SaverFileSystem {
  private armed: Arming[] = [];
  /** Faults actually thrown, for the report's figures. */
  injected = 0;
  private writesSinceOpen = 0;

  arm(point: FaultPoint, code: FaultCode, times = 1): void {
    this.armed.push({ point, code, times });
  }

  disarm(): void {
    this.armed = [];
  }

  private strike(point: FaultPoint, syscall: string, path: string): void {
    const arming = this.armed.find((entry) => entry.point === point && entry.times > 0);
    if (!arming) return;
    arming.times -= 1;
    this.injected += 1;
    throw errnoError(arming.code, syscall, path);
  }

  async mkdir(folder: string, options: { recursive: true }): Promise<unknown> {
    this.strike('mkdir', 'mkdir', folder);
    return nodeFileSystem.mkdir(folder, options);
  }

  async open(file: string, flags: 'wx'): Promise<WritableFile> {
    this.strike('open', 'open', file);
    const handle = await nodeFileSystem.open(file, flags);
    this.writesSinceOpen = 0;
    return {
      write: async (data) => {
        // The first chunk lands; the disk fills up on a later one, mid-stream.
        if (++this.writesSinceOpen > 1) this.strike('write', 'write', file);
        return handle.write(data);
      },
      sync: async () => {
        this.strike('sync', 'fsync', file);
        return handle.sync();
      },
      close: () => handle.close(),
    };
  }

  rm(file: string, options: { force: true }): Promise<void> {
    return nodeFileSystem.rm(file, options);
  }

  async link(existing: string, created: string): Promise<void> {
    this.strike('link', 'link', created);
    return nodeFileSystem.link(existing, created);
  }

  async rename(from: string, to: string): Promise<void> {
    this.strike('rename', 'rename', to);
    return nodeFileSystem.rename(from, to);
  }
}

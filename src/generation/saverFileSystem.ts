import { promises as fs } from 'node:fs';

/** An open temp file: the download only ever appends, flushes and closes. */
export interface WritableFile {
  /** May write fewer bytes than given (a disk filling up); the caller writes the rest. */
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system calls that put a result on disk, and nothing more. Production passes node's
 * `fs.promises`; fault tests pass a wrapper that fails a chosen call with ENOSPC, EROFS or EACCES,
 * which a test running as root could not provoke with permissions.
 */
export interface SaverFileSystem {
  mkdir(folder: string, options: { recursive: true }): Promise<unknown>;
  open(file: string, flags: 'wx'): Promise<WritableFile>;
  rm(file: string, options: { force: true }): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export const nodeFileSystem: SaverFileSystem = fs;

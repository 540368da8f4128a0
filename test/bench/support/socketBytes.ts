import * as diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Counts the bytes that go over every client TCP socket this process opens (both directions,
 * HTTP headers included), through Node's `net.client.socket` diagnostics channel. The transport
 * keeps its undici Agent private, so the wire is the only place to count without changing it.
 * The in-process emulator's server sockets are not client sockets and are not counted.
 */
export class SocketBytes {
  private readonly sockets: Socket[] = [];
  private readonly listener = (message: unknown) => {
    this.sockets.push((message as { socket: Socket }).socket);
  };

  constructor() {
    diagnostics.subscribe('net.client.socket', this.listener);
  }

  /** Bytes read and written so far on the sockets opened since construction (closed ones too). */
  total(): number {
    return this.sockets.reduce((sum, socket) => sum + socket.bytesRead + socket.bytesWritten, 0);
  }

  stop(): void {
    diagnostics.unsubscribe('net.client.socket', this.listener);
  }
}

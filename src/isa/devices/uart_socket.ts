/**
 * The host end of an emulated serial line: a Unix-domain stream socket that
 * `socat - UNIX-CONNECT:PATH` (or `nc -U`) can talk to.  Bytes a client
 * writes are typed into the UART, which delivers them at the programmed baud
 * rate on virtual time; bytes the guest transmits are written to every
 * connected client.  While a client is connected the line shows carrier
 * (DCD, DSR, CTS); when the last one leaves they drop, as when a terminal is
 * unplugged.
 *
 * Created by ns16550.ts when a card has the `socket:` option; closed by the
 * card's close().  A stale socket file left by a crashed run is replaced;
 * any other existing file is refused.  No FreeBSD counterpart (the nmdm(4)
 * null-modem plays a similar role there).
 */
import { lstatSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { createServer, type Server, type Socket } from "node:net";
import { KernelError } from "../../errno/kernel_error.js";

export interface UartSocketSink {
  typeBytes(bytes: Uint8Array): void;
  setModemInputs(bits: number): void;
}

/** sun_path holds 104 bytes on FreeBSD, 108 on Linux; keep to the smaller, with its NUL. */
export const SOCKET_PATH_MAX = 103;

/** MSR bits 7, 5, 4: DCD, DSR, CTS. */
const CARRIER = 0x80 | 0x20 | 0x10;

export class UartSocket {
  private readonly server: Server;
  private readonly clients = new Set<Socket>();
  private closed = false;

  /**
   * Listen on `path`.
   * @throws KernelError ENAMETOOLONG if the path does not fit a socket address,
   *   ENOENT if its directory does not exist, EEXIST if `path` exists and is not a socket.
   */
  constructor(
    readonly path: string,
    private readonly sink: UartSocketSink,
    log: (message: string) => void,
  ) {
    if (Buffer.byteLength(path) > SOCKET_PATH_MAX) {
      throw new KernelError("ENAMETOOLONG", path, `a socket path may have at most ${SOCKET_PATH_MAX} bytes`);
    }
    let dirOk = false;
    try {
      dirOk = statSync(dirname(path)).isDirectory();
    } catch {
      dirOk = false;
    }
    if (!dirOk) throw new KernelError("ENOENT", path, "the socket's directory does not exist");
    let stale = false;
    try {
      stale = lstatSync(path).isSocket();
      if (!stale) throw new KernelError("EEXIST", path, "exists and is not a socket");
    } catch (e) {
      if (e instanceof KernelError) throw e;
    }
    if (stale) unlinkSync(path);
    this.server = createServer((sock) => this.accept(sock));
    this.server.on("error", (err) => log(`${path}: ${err.message}`));
    this.server.listen(path);
    this.server.unref();
  }

  /** Resolves once the socket is accepting connections. */
  listening(): Promise<void> {
    if (this.server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.server.once("listening", () => resolve());
      this.server.once("error", reject);
    });
  }

  send(bytes: Uint8Array): void {
    for (const c of this.clients) c.write(bytes);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    return new Promise((resolve) => {
      this.server.close(() => {
        // libuv removes the socket file itself on close; this covers the other cases.
        try {
          unlinkSync(this.path);
        } catch {
          // already gone
        }
        resolve();
      });
    });
  }

  private accept(sock: Socket): void {
    this.clients.add(sock);
    this.sink.setModemInputs(CARRIER);
    sock.on("data", (chunk: Buffer) => this.sink.typeBytes(new Uint8Array(chunk)));
    sock.on("error", () => sock.destroy());
    sock.on("close", () => {
      this.clients.delete(sock);
      if (this.clients.size === 0 && !this.closed) this.sink.setModemInputs(0);
    });
  }
}

// The part of `ws` 8 the lake and its tests use (the package ships no types, and @types/ws would
// be one more dependency for a handful of signatures).
declare module 'ws' {
  import type {EventEmitter} from 'node:events'
  import type {ClientRequest, IncomingMessage} from 'node:http'
  import type {Duplex} from 'node:stream'

  export class WebSocket extends EventEmitter {
    static readonly OPEN: 1
    readonly OPEN: 1
    readonly readyState: 0 | 1 | 2 | 3
    /** Bytes given to send() and not yet written to the socket (ws's queue and the stream's). */
    readonly bufferedAmount: number
    readonly isPaused: boolean
    constructor(url: string, options?: {origin?: string; headers?: Record<string, string>})
    send(data: string): void
    close(code?: number, reason?: string): void
    terminate(): void
    pause(): void
    resume(): void
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this
    on(event: 'close', listener: (code: number, reason: Buffer) => void): this
    on(event: 'open' | 'error', listener: (error?: Error) => void): this
    once(event: 'open', listener: () => void): this
    once(event: 'error', listener: (error: Error) => void): this
    once(
      event: 'unexpected-response',
      listener: (request: ClientRequest, response: IncomingMessage) => void,
    ): this
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: {noServer: true; maxPayload?: number})
    handleUpgrade(
      request: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      callback: (ws: WebSocket) => void,
    ): void
    close(): void
  }
}

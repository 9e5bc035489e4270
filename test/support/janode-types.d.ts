// Types for the parts of Janode 1.8 (npm `janode`, plain JS, no bundled types) that the tests use.
// Written from janode/src/{janode,connection,session,handle}.js and plugins/echotest-plugin.js.
// Tests use them through the adapter in janode-echo.ts.

declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export type JanodeServerAddress = { url: string; apisecret?: string; token?: string };
  export type JanodeConfig = {
    address: JanodeServerAddress | JanodeServerAddress[];
    retry_time_secs?: number;
    max_retries?: number;
    is_admin?: boolean;
    ws_options?: Record<string, unknown>;
  };
  export type JanodeJsep = { type: 'offer' | 'answer'; sdp: string; e2ee?: boolean };
  export type JanodeCandidate = { candidate: string; sdpMid?: string; sdpMLineIndex?: number } | { completed: true };
  /** A raw Janus API message, as Janode resolves request promises with. */
  export type JanusApiMessage = { janus: string; transaction?: string; session_id?: number; sender?: number; [k: string]: unknown };

  /** Base handle (janode/src/handle.js). Emits the JANODE.EVENT.HANDLE_* events. */
  export interface JanodeHandle extends EventEmitter {
    readonly id: number;
    readonly session: JanodeSession;
    message(body: Record<string, unknown>, jsep?: JanodeJsep): Promise<JanusApiMessage>;
    trickle(candidate?: JanodeCandidate | JanodeCandidate[] | null): Promise<JanusApiMessage>;
    trickleComplete(): Promise<JanusApiMessage>;
    hangup(): Promise<JanusApiMessage>;
    /** Resolves (without a value) on success AND on failure: Janode only logs a failed detach. */
    detach(): Promise<void>;
  }
  export type JanodeHandleClass<H extends JanodeHandle> = new (session: JanodeSession, id: number) => H;

  /** janode/src/session.js. Emits JANODE.EVENT.SESSION_DESTROYED. */
  export interface JanodeSession extends EventEmitter {
    readonly id: number;
    attach<H extends JanodeHandle = JanodeHandle>(plugin: { id: string; Handle?: JanodeHandleClass<H> }): Promise<H>;
    destroy(): Promise<void>;
  }

  /** janode/src/connection.js. Emits CONNECTION_CLOSED and CONNECTION_ERROR. */
  export interface JanodeConnection extends EventEmitter {
    readonly id: number;
    /** ka_interval: keepalive period in seconds (default 30). */
    create(ka_interval?: number): Promise<JanodeSession>;
    getInfo(): Promise<JanusApiMessage>;
    close(): Promise<void>;
  }

  export type JanodeLogFn = (...args: unknown[]) => void;
  export interface JanodeLogger {
    debug: JanodeLogFn;
    verbose: JanodeLogFn;
    info: JanodeLogFn;
    warning: JanodeLogFn;
    error: JanodeLogFn;
    setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): string;
  }

  const Janode: {
    connect(config: JanodeConfig | JanodeConfig[], key?: string | number | null): Promise<JanodeConnection>;
    Logger: JanodeLogger;
    EVENT: {
      CONNECTION_CLOSED: 'connection_closed';
      SESSION_DESTROYED: 'session_destroyed';
      HANDLE_DETACHED: 'handle_detached';
      HANDLE_ICE_FAILED: 'handle_ice_failed';
      HANDLE_HANGUP: 'handle_hangup';
      HANDLE_MEDIA: 'handle_media';
      HANDLE_WEBRTCUP: 'handle_webrtcup';
      HANDLE_SLOWLINK: 'handle_slowlink';
      HANDLE_TRICKLE: 'handle_trickle';
      CONNECTION_ERROR: 'connection_error';
    };
  };
  export default Janode;
}

declare module 'janode/plugins/echotest' {
  import type { JanodeHandle, JanodeHandleClass, JanodeJsep } from 'janode';

  export type EchoTestStartParams = {
    audio?: boolean;
    video?: boolean;
    jsep?: JanodeJsep;
    bitrate?: number;
    record?: boolean;
    filename?: string;
  };
  export interface EchoTestHandle extends JanodeHandle {
    /** Resolves with the echotest result event ({result: 'ok', jsep: answer}); rejects otherwise. */
    start(params: EchoTestStartParams): Promise<{ result: string; jsep?: JanodeJsep; e2ee?: boolean }>;
  }

  const EchoTestPlugin: {
    id: 'janus.plugin.echotest';
    Handle: JanodeHandleClass<EchoTestHandle>;
    EVENT: {
      ECHOTEST_RESULT: 'echotest_result';
      ECHOTEST_SLOWLINK: 'echotest_slowlink';
      ECHOTEST_ERROR: 'echotest_error';
    };
  };
  export default EchoTestPlugin;
}

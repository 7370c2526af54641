/**
 * The test gateway's own stream: `GET /api/sse/stream` over fetch, parsed by
 * eventsource-parser, every frame after `connected` pushed to a FrameQueue.
 */
import { createParser } from 'eventsource-parser';
import { type FrameQueue, toTestFrame } from './frame-queue.js';

/** An open stream: resolves `connected` once its `connected` frame arrived; `close()` ends it. */
export interface FrameStream {
  readonly connected: Promise<void>;
  close(): void;
}

/** Opens the stream at `url` (the gateway's base URL) and feeds `queue` until closed. */
export function openFrameStream(url: string, queue: FrameQueue, heartbeats: boolean): FrameStream {
  const abort = new AbortController();
  let onConnected: () => void = () => undefined;
  let onFailed: (error: Error) => void = () => undefined;
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onFailed = reject;
  });
  const parser = createParser({
    onEvent: (message) => {
      if (message.event === 'connected') onConnected();
      else if (message.event !== 'heartbeat' || heartbeats) {
        queue.push(toTestFrame(message.event, message.id, message.data));
      }
    },
  });
  const read = async () => {
    const response = await fetch(`${url}/api/sse/stream`, {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    if (response.status !== 200 || response.body === null) {
      throw new Error(`GET /api/sse/stream answered ${response.status}`);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
    return 'the gateway closed it';
  };
  read().then(
    (reason) => {
      onFailed(new Error(`the stream ended before its connected frame (${reason})`));
      queue.end(reason);
    },
    (error: Error) => {
      const reason = abort.signal.aborted ? 'closed by close()' : error.message;
      onFailed(new Error(`the test gateway's stream failed: ${reason}`));
      queue.end(reason);
    },
  );
  return { connected, close: () => abort.abort() };
}

/**
 * A node of the socket bus played by the test: it speaks socket.io's cluster
 * adapter protocol itself (heartbeats, answers to `serverSideEmitWithAck`), so
 * the nodes count it among theirs and wait for its answers, and the test
 * chooses when an answer goes out. It has no sockets, so it answers every ask
 * with an empty list (no job watched here).
 */
import { randomBytes } from 'node:crypto';
import { Inbox } from './inbox.js';
import { BusMessageType, type BusMessage, type SocketBus } from './socket-bus.js';

/** Well within the 10 s after which the adapters forget a silent node. */
const HEARTBEAT_MS = 2000;

export class BusPeer {
  readonly uid = randomBytes(8).toString('hex');
  /** The asks it holds, unanswered until `answer`. */
  readonly held = new Inbox<BusMessage>();
  readonly #bus: SocketBus;
  readonly #hold: (ask: BusMessage) => boolean;
  readonly #off: () => void;
  readonly #timer: NodeJS.Timeout;

  /** Joins the bus; holds the asks `hold` picks, answers the others at once. */
  static async join(bus: SocketBus, hold: (ask: BusMessage) => boolean): Promise<BusPeer> {
    const peer = new BusPeer(bus, hold);
    await peer.#send({ type: BusMessageType.INITIAL_HEARTBEAT });
    return peer;
  }

  private constructor(bus: SocketBus, hold: (ask: BusMessage) => boolean) {
    this.#bus = bus;
    this.#hold = hold;
    this.#off = bus.inbox.subscribe((m) => this.#heard(m));
    this.#timer = setInterval(
      () => void this.#send({ type: BusMessageType.HEARTBEAT }).catch(() => undefined),
      HEARTBEAT_MS,
    );
  }

  /** Answers an ask: no job watched here. */
  answer(requestId: string): Promise<void> {
    return this.#send({
      type: BusMessageType.SERVER_SIDE_EMIT_RESPONSE,
      data: { requestId, packet: [] },
    });
  }

  /** Leaves the bus: the nodes stop waiting for its answers at once. */
  async leave(): Promise<void> {
    clearInterval(this.#timer);
    this.#off();
    await this.#send({ type: BusMessageType.ADAPTER_CLOSE });
  }

  #heard(m: BusMessage): void {
    const requestId = m.data?.requestId;
    if (m.uid === this.uid || m.type !== BusMessageType.SERVER_SIDE_EMIT || !requestId) return;
    if (this.#hold(m)) this.held.push(m);
    else this.answer(requestId).catch(() => undefined);
  }

  #send(message: Omit<BusMessage, 'raw' | 'uid' | 'nsp'>): Promise<void> {
    return this.#bus.publish({ ...message, uid: this.uid, nsp: '/' });
  }
}

// kafkajs 2.2.4 re-arms a 1 ms timer on every broker connection forever once its request queue
// has drained (kafkajs#1556, #1704, unfixed upstream): each idle service woke ~1,600 times a
// second and spent ~4% of a core doing nothing. patches/kafkajs+2.2.4.patch (applied by
// patch-package on npm install) stops the loop; this guards that the patch is in place.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  checkPendingRequests(): void;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  destroy(): void;
};

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const made: { destroy(): void }[] = [];
const queue = () => {
  const created = new RequestQueue({ maxInFlightRequests: null, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'localhost:9092', logger: quiet });
  made.push(created);
  return created;
};

describe("kafkajs's request queue", () => {
  // the unpatched loop re-arms its timer from inside itself: only destroy() ends it
  afterEach(() => made.splice(0).forEach((created) => created.destroy()));

  it('schedules no check when nothing is pending and nothing throttles it', () => {
    const drained = queue();
    drained.checkPendingRequests();
    expect(drained.throttleCheckTimeoutId).toBeNull();
  });

  it('still schedules a check while the broker throttles it', () => {
    const throttled = queue();
    throttled.throttledUntil = Date.now() + 60_000;
    throttled.checkPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
  });
});

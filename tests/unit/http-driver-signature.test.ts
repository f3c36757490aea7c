import { createHmac } from 'node:crypto';
import { signBody, verifySignature } from '../../adapters/http-driver/signature';

const BODY = '{"event":{"name":"app/user.created"}}';
const KEY = 'signkey-test-0123';
const AT = 1_700_000_000;

describe('HTTP step signatures', () => {
  it('signs as t=<seconds>&s=<hex HMAC-SHA256(key, body + t)>', () => {
    // Prepare
    const expected = createHmac('sha256', KEY).update(`${BODY}${AT}`).digest('hex');
    // Act
    const header = signBody(BODY, KEY, AT);
    // Assess
    expect(header).toBe(`t=${AT}&s=${expected}`);
  });

  it('verifies its own signature within the tolerance', () => {
    // Prepare
    const header = signBody(BODY, KEY, AT);
    // Act
    const verdicts = [AT, AT + 300, AT - 300].map((nowSeconds) => verifySignature(header, BODY, KEY, { nowSeconds, toleranceSeconds: 300 }));
    // Assess
    expect(verdicts).toEqual([true, true, true]);
  });

  it('rejects a wrong key, a changed body, an old timestamp and malformed headers', () => {
    // Prepare
    const header = signBody(BODY, KEY, AT);
    const now = { nowSeconds: AT, toleranceSeconds: 300 };
    // Act
    const verdicts = {
      wrongKey: verifySignature(header, BODY, 'other-key', now),
      changedBody: verifySignature(header, `${BODY} `, KEY, now),
      tooOld: verifySignature(header, BODY, KEY, { nowSeconds: AT + 301, toleranceSeconds: 300 }),
      movedTimestamp: verifySignature(header.replace(`t=${AT}`, `t=${AT + 1}`), BODY, KEY, now),
      empty: verifySignature('', BODY, KEY, now),
      shortHex: verifySignature(header.slice(0, -2), BODY, KEY, now),
      upperHex: verifySignature(header.toUpperCase(), BODY, KEY, now),
      emptyKey: verifySignature(signBody(BODY, '', AT), BODY, '', now),
    };
    // Assess
    expect(verdicts).toEqual({ wrongKey: false, changedBody: false, tooOld: false, movedTimestamp: false, empty: false, shortHex: false, upperHex: false, emptyKey: false });
  });
});

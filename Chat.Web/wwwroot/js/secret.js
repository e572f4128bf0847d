// Secret conversations: X3DH and the Double Ratchet (Signal's published specifications) with WebCrypto, in this
// browser only. The server stores and relays envelopes it cannot read. Formats: docs/api.md, "Secret conversations";
// threat model: docs/security.md. The protocol half (exported) is pure and checked against Chat.Tests' own C#
// implementation and fixed vectors; the page half keeps this device's keys and sessions in IndexedDB.

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });
const subtle = crypto.subtle;

export const VERSION = 1;
/** How many message keys one step may skip, and how many skipped keys a session keeps (oldest dropped first). */
export const MAX_SKIP = 1000;
export const MAX_SKIPPED_KEYS = 2000;
const INFO_X3DH = te.encode('E2EChat X3DH');
const INFO_RATCHET = te.encode('E2EChat ratchet');
const INFO_MESSAGE = te.encode('E2EChat message keys');
const ZERO32 = new Uint8Array(32);
export const SAFETY_ITERATIONS = 5200;

/** A refusal with a reason the bubble can show ("tampered", "replayed", "malformed", "other-device", "bad-signature"). */
export class SecretError extends Error {
  constructor(reason, message) { super(message || reason); this.reason = reason; }
}

export function b64(bytes) {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

export function unb64(s, length) {
  if (typeof s !== 'string') throw new SecretError('malformed', 'not base64');
  let bin;
  try { bin = atob(s); } catch { throw new SecretError('malformed', 'not base64'); }
  const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  if (length !== undefined && out.length !== length) throw new SecretError('malformed', `expected ${length} bytes`);
  return out;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function u32(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n >>> 0); return b; }
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

export async function hkdf(ikm, salt, info, length) {
  const key = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

export async function hmac(key, data) {
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, data));
}

/** A new X25519 pair: the private key non-extractable, the public one as its 32 raw bytes. */
export async function generateDh() {
  const pair = await subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']);
  return { priv: pair.privateKey, pub: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
}

/** A fixed X25519 private key (test vectors only): raw 32-byte scalar and its public key. */
export async function importDh(privRaw, pubRaw) {
  const jwk = { kty: 'OKP', crv: 'X25519', d: b64url(privRaw), x: b64url(pubRaw) };
  return { priv: await subtle.importKey('jwk', jwk, { name: 'X25519' }, false, ['deriveBits']), pub: pubRaw };
}

function b64url(bytes) { return b64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''); }

export async function dh(priv, pubRaw) {
  const pub = await subtle.importKey('raw', pubRaw, { name: 'X25519' }, true, []);
  return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256));
}

export async function verify(identityKey, signature, data) {
  try {
    const key = await subtle.importKey('raw', identityKey, { name: 'Ed25519' }, true, ['verify']);
    return await subtle.verify('Ed25519', key, signature, data);
  } catch { return false; }
}

// ---- X3DH ----------------------------------------------------------------------------------------------------

/** SK = HKDF(F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4]), F 32 bytes of 0xFF, salt 32 zero bytes (X3DH §2.2, §3.3). */
export async function x3dhSecret(dhs) {
  return hkdf(concat(new Uint8Array(32).fill(0xff), ...dhs), ZERO32, INFO_X3DH, 32);
}

/**
 * Alice's side: checks the bundle's two signatures, then SK and the header Bob needs. `me` holds ik (Ed25519 public),
 * ikDh ({priv, pub}) and ikDhSig; `bundle` is a device of GET /users/{id}/keys.
 */
export async function x3dhInitiate(me, bundle, ephemeral) {
  const ikB = unb64(bundle.identityKey, 32), ikDhB = unb64(bundle.identityDhKey, 32), spkB = unb64(bundle.signedPreKey.publicKey, 32);
  if (!await verify(ikB, unb64(bundle.identityDhSignature, 64), ikDhB)) throw new SecretError('bad-signature', 'identity DH key signature does not verify');
  if (!await verify(ikB, unb64(bundle.signedPreKey.signature, 64), spkB)) throw new SecretError('bad-signature', 'signed pre-key signature does not verify');
  const ek = ephemeral || await generateDh();
  const dhs = [await dh(me.ikDh.priv, spkB), await dh(ek.priv, ikDhB), await dh(ek.priv, spkB)];
  const opk = bundle.oneTimePreKey;
  if (opk) dhs.push(await dh(ek.priv, unb64(opk.publicKey, 32)));
  return {
    sk: await x3dhSecret(dhs),
    ad: concat(me.ik, ikB),
    header: { ik: b64(me.ik), ikDh: b64(me.ikDh.pub), ikDhSig: b64(me.ikDhSig), ek: b64(ek.pub), spk: bundle.signedPreKey.keyId, opk: opk ? opk.keyId : null },
    spk: spkB,
  };
}

/** Bob's side, from the first message's x3dh header and his own private keys (`spk` and, if named, `opk` pairs). */
export async function x3dhRespond(me, header, spk, opk) {
  const ikA = unb64(header.ik, 32), ikDhA = unb64(header.ikDh, 32), ekA = unb64(header.ek, 32);
  if (!await verify(ikA, unb64(header.ikDhSig, 64), ikDhA)) throw new SecretError('bad-signature', 'sender identity DH key signature does not verify');
  const dhs = [await dh(spk.priv, ikDhA), await dh(me.ikDh.priv, ekA), await dh(spk.priv, ekA)];
  if (opk) dhs.push(await dh(opk.priv, ekA));
  return { sk: await x3dhSecret(dhs), ad: concat(ikA, me.ik) };
}

// ---- Double Ratchet -------------------------------------------------------------------------------------------

/** KDF_RK: HKDF with the root key as salt and the DH output as input; 64 bytes = new root key ‖ chain key. */
export async function kdfRk(rk, dhOut) {
  const out = await hkdf(dhOut, rk, INFO_RATCHET, 64);
  return [out.slice(0, 32), out.slice(32)];
}

/** KDF_CK: message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export async function kdfCk(ck) {
  return [await hmac(ck, Uint8Array.of(1)), await hmac(ck, Uint8Array.of(2))];
}

/** A message key's AES-256-GCM key and 96-bit nonce: HKDF(mk, zero salt, "E2EChat message keys", 44). */
export async function messageKeys(mk) {
  const out = await hkdf(mk, ZERO32, INFO_MESSAGE, 44);
  return { key: out.slice(0, 32), nonce: out.slice(32) };
}

/** The header bytes the AEAD authenticates: dh ‖ pn ‖ n ‖ from ‖ to (numbers as big-endian uint32). */
export function headerBytes(h, from, to) {
  return concat(unb64(h.dh, 32), u32(h.pn), u32(h.n), u32(from), u32(to));
}

async function seal(mk, plaintext, ad) {
  const { key, nonce } = await messageKeys(mk);
  const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt']);
  return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: ad }, k, plaintext));
}

async function open(mk, ciphertext, ad) {
  const { key, nonce } = await messageKeys(mk);
  const k = await subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt']);
  try {
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: ad }, k, ciphertext));
  } catch { throw new SecretError('tampered', 'the ciphertext or its header was changed'); }
}

/** Alice's ratchet after X3DH: her first sending chain from DH(new pair, Bob's signed pre-key). */
export async function ratchetInitAlice(sk, bobSpk, ad, firstPair) {
  const dhs = firstPair || await generateDh();
  const [rk, cks] = await kdfRk(sk, await dh(dhs.priv, bobSpk));
  return { dhs, dhr: bobSpk, rk, cks, ckr: null, ns: 0, nr: 0, pn: 0, skipped: [], ad };
}

/** Bob's ratchet after X3DH: his signed pre-key pair is his first ratchet pair. */
export function ratchetInitBob(sk, spkPair, ad) {
  return { dhs: spkPair, dhr: null, rk: sk, cks: null, ckr: null, ns: 0, nr: 0, pn: 0, skipped: [], ad };
}

/** Encrypts with the sending chain; returns the header and ciphertext, and moves `state` on. */
export async function ratchetEncrypt(state, plaintext, from, to) {
  const [mk, next] = await kdfCk(state.cks);
  state.cks = next;
  const h = { dh: b64(state.dhs.pub), pn: state.pn, n: state.ns };
  state.ns += 1;
  return { h, ct: b64(await seal(mk, plaintext, concat(state.ad, headerBytes(h, from, to)))) };
}

/**
 * Decrypts a message: from a skipped key, or after skipping ahead (at most MAX_SKIP) and, on a new ratchet key, a DH
 * ratchet step. Works on a copy: a message that does not decrypt leaves `state` as it was (Double Ratchet §3.5).
 * Returns the plaintext and the new state. A message whose key was used already is "replayed".
 */
export async function ratchetDecrypt(state, h, ct, from, to) {
  if (!h || typeof h.n !== 'number' || typeof h.pn !== 'number' || h.n < 0 || h.pn < 0 || !Number.isInteger(h.n) || !Number.isInteger(h.pn))
    throw new SecretError('malformed', 'bad header');
  const s = structuredClone(state);
  const dhPub = unb64(h.dh, 32);
  const ad = concat(s.ad, headerBytes(h, from, to));
  const body = unb64(ct);
  const skippedAt = s.skipped.findIndex(([dhr, n]) => n === h.n && dhr === h.dh);
  if (skippedAt >= 0) {
    const mk = s.skipped[skippedAt][2];
    s.skipped.splice(skippedAt, 1);
    return { plaintext: await open(mk, body, ad), state: s };
  }
  if (s.dhr && equal(dhPub, s.dhr)) {
    if (h.n < s.nr) throw new SecretError('replayed', 'this message was decrypted before');
  } else {
    if (s.previousDhr && s.previousDhr.includes(h.dh)) throw new SecretError('replayed', 'this message was decrypted before');
    await skip(s, h.pn);
    s.previousDhr = [...(s.previousDhr || []), ...(s.dhr ? [b64(s.dhr)] : [])].slice(-20);
    s.pn = s.ns; s.ns = 0; s.nr = 0; s.dhr = dhPub;
    [s.rk, s.ckr] = await kdfRk(s.rk, await dh(s.dhs.priv, s.dhr));
    s.dhs = await generateDh();
    [s.rk, s.cks] = await kdfRk(s.rk, await dh(s.dhs.priv, s.dhr));
  }
  await skip(s, h.n);
  const [mk, next] = await kdfCk(s.ckr);
  s.ckr = next;
  s.nr += 1;
  return { plaintext: await open(mk, body, ad), state: s };
}

async function skip(s, until) {
  if (!s.ckr) return;
  if (until - s.nr > MAX_SKIP) throw new SecretError('malformed', 'too many skipped messages');
  const dhr = b64(s.dhr);
  while (s.nr < until) {
    const [mk, next] = await kdfCk(s.ckr);
    s.ckr = next;
    s.skipped.push([dhr, s.nr, mk]);
    s.nr += 1;
  }
  if (s.skipped.length > MAX_SKIPPED_KEYS) s.skipped.splice(0, s.skipped.length - MAX_SKIPPED_KEYS);
}

// ---- Safety numbers -------------------------------------------------------------------------------------------

/** Signal's numeric fingerprint of one party: 30 digits from SHA-512 iterated over (0x0000 ‖ key ‖ id), then (hash ‖ key). */
export async function fingerprint(identityKey, userId) {
  let hash = concat(new Uint8Array(2), identityKey, te.encode(String(userId)));
  for (let i = 0; i < SAFETY_ITERATIONS; i++) hash = new Uint8Array(await subtle.digest('SHA-512', concat(hash, identityKey)));
  let digits = '';
  for (let i = 0; i < 30; i += 5) {
    const chunk = hash.slice(i, i + 5).reduce((n, b) => n * 256 + b, 0);
    digits += String(chunk % 100000).padStart(5, '0');
  }
  return digits;
}

/** The 60 digits both people see: the two fingerprints, the smaller first. */
export async function safetyNumber(myKey, myId, theirKey, theirId) {
  const [a, b] = await Promise.all([fingerprint(myKey, myId), fingerprint(theirKey, theirId)]);
  return a < b ? a + b : b + a;
}

// ---- Envelopes ------------------------------------------------------------------------------------------------

export function encodeEnvelope(e) { return b64(te.encode(JSON.stringify(e))); }

export function decodeEnvelope(base64) {
  let e;
  try { e = JSON.parse(td.decode(unb64(base64))); } catch { throw new SecretError('malformed', 'not an envelope'); }
  if (!e || e.v !== VERSION || !e.h || typeof e.ct !== 'string' || !Number.isInteger(e.from) || !Number.isInteger(e.to))
    throw new SecretError('malformed', 'not an envelope');
  return e;
}

// ---- This browser: keys and sessions in IndexedDB -------------------------------------------------------------

const ONE_TIME_BATCH = 20;

function idb(userId) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open('e2e-chat-secret-' + userId, 1);
    req.onupgradeneeded = () => { for (const s of ['device', 'sessions', 'peers', 'plain']) req.result.createObjectStore(s); };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function tx(db, stores, mode, work) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    const result = work(t);
    t.oncomplete = () => resolve(result);
    t.onerror = t.onabort = () => reject(t.error);
  });
}

function get(db, store, key) {
  return new Promise((resolve, reject) => {
    const req = db.transaction(store).objectStore(store).get(key);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function put(db, store, key, value) { return tx(db, [store], 'readwrite', (t) => t.objectStore(store).put(value, key)); }

async function signer() {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  return { priv: pair.privateKey, pub: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
}

async function sign(priv, data) { return new Uint8Array(await subtle.sign('Ed25519', priv, data)); }

async function oneTimeKeys(from, count) {
  const keys = [];
  for (let id = from; id < from + count; id++) keys.push({ id, pair: await generateDh() });
  return keys;
}

/** New device keys (nothing stored or uploaded): identity, signed identity DH key, signed pre-key, one-time pre-keys. */
export async function newDevice(deviceId) {
  const ik = await signer();
  const ikDh = await generateDh();
  const spk = await generateDh();
  const opks = await oneTimeKeys(1, ONE_TIME_BATCH);
  return {
    deviceId: deviceId || 1 + (crypto.getRandomValues(new Uint32Array(1))[0] % 2147483646),
    ik, ikDh, ikDhSig: await sign(ik.priv, ikDh.pub), spk: { id: 1, pair: spk, sig: await sign(ik.priv, spk.pub) },
    opks: Object.fromEntries(opks.map((k) => [k.id, k.pair])), nextOpk: 1 + ONE_TIME_BATCH,
  };
}

/** The device's public bundle as the directory takes it (all one-time pre-keys) or hands it out (`oneTime`: one of them). */
export function bundleOf(device, oneTime) {
  const bundle = {
    deviceId: device.deviceId, identityKey: b64(device.ik.pub), identityDhKey: b64(device.ikDh.pub), identityDhSignature: b64(device.ikDhSig),
    signedPreKey: { keyId: device.spk.id, publicKey: b64(device.spk.pair.pub), signature: b64(device.spk.sig) },
  };
  if (oneTime === undefined) {
    return { ...bundle, oneTimePreKeys: Object.entries(device.opks).map(([id, pair]) => ({ keyId: Number(id), publicKey: b64(pair.pub) })) };
  }
  return { ...bundle, oneTimePreKey: { keyId: oneTime, publicKey: b64(device.opks[oneTime].pub) } };
}

/** A device of its own for this browser and user: new keys, uploaded to the directory; its id picked at random. */
async function createDevice(app, deviceId) {
  const device = await newDevice(deviceId);
  await app.call('', 'POST', bundleOf(device));
  await put(app.db, 'device', 'self', device);
  return device;
}

/** What X3DH needs of a device: its identity key, identity DH pair and the signature binding them. */
export function identityOf(device) { return { ik: device.ik.pub, ikDh: device.ikDh, ikDhSig: device.ikDhSig }; }

/** One user's secret conversations in this browser. Every operation runs under a Web Lock: tabs take turns. */
class SecretApp {
  constructor(db, userId, devicePath, token) {
    this.db = db; this.userId = userId; this.devicePath = devicePath; this.token = token;
    this.safetyNumbers = new Map(); // 10,400 SHA-512 rounds each (docs/performance.md): once per pair of keys
  }

  async safety(myKey, theirKey, peerId) {
    const id = b64(myKey) + theirKey + peerId;
    if (!this.safetyNumbers.has(id)) this.safetyNumbers.set(id, await safetyNumber(myKey, this.userId, unb64(theirKey, 32), peerId));
    return this.safetyNumbers.get(id);
  }

  async call(handler, method, body, query) {
    const url = this.devicePath + (handler ? '/' + handler : '') + (query ? '?' + new URLSearchParams(query) : '');
    const res = await fetch(url, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', RequestVerificationToken: this.token },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => null);
    if (!res.ok) throw new SecretError('server', (json && json.error) || 'The key directory refused: ' + res.status);
    return json;
  }

  locked(work) { return navigator.locks.request('e2e-chat-secret-' + this.userId, work); }

  device() { return this.locked(async () => (await get(this.db, 'device', 'self')) || createDevice(this)); }

  /** A new identity for this browser's device (a lost or reset browser, as far as its peers can tell). */
  resetDevice() {
    return this.locked(async () => {
      const old = await get(this.db, 'device', 'self');
      await tx(this.db, ['sessions', 'device'], 'readwrite', (t) => { t.objectStore('sessions').clear(); t.objectStore('device').delete('self'); });
      return createDevice(this, old && old.deviceId);
    });
  }

  /**
   * What the conversation with `peerId` stands on: the trusted identity key of their device (first seen, or accepted
   * after a change), whether it is verified, and a changed key if the directory or a message now shows another one.
   */
  async trust(peerId) {
    const device = await this.device();
    const peer = await get(this.db, 'peers', peerId);
    const devices = await this.call('devices', 'GET', null, { userId: peerId });
    let changed = null;
    if (peer && !devices.some((d) => d.deviceId === peer.deviceId && d.identityKey === peer.ik)) {
      changed = devices.find((d) => d.deviceId === peer.deviceId) || devices[0] || { deviceId: peer.deviceId, identityKey: null };
    }
    if (peer && peer.changed) changed = peer.changed;
    else if (changed) await this.locked(() => put(this.db, 'peers', peerId, { ...peer, changed })); // encrypt() refuses until accepted
    const key = peer ? peer.ik : devices[0] && devices[0].identityKey;
    return {
      myDevice: device.deviceId, peerDevice: peer ? peer.deviceId : devices[0] && devices[0].deviceId, peerHasDevice: devices.length > 0,
      verified: !!(peer && peer.verified && !changed), changed,
      safety: key ? await this.safety(device.ik.pub, key, peerId) : null,
    };
  }

  /**
   * Accepts the peer's new identity key (not verified). A key that came with their message has its session already;
   * one the directory shows starts a new session with the next message.
   */
  accept(peerId, conversationId) {
    return this.locked(async () => {
      const peer = await get(this.db, 'peers', peerId);
      if (peer && peer.changed && peer.changed.fromMessage) {
        await put(this.db, 'peers', peerId, { ik: peer.changed.identityKey, deviceId: peer.changed.deviceId, verified: false });
        return;
      }
      await tx(this.db, ['peers', 'sessions'], 'readwrite', (t) => { t.objectStore('peers').delete(peerId); t.objectStore('sessions').delete(conversationId); });
    });
  }

  markVerified(peerId) {
    return this.locked(async () => {
      const peer = await get(this.db, 'peers', peerId);
      if (peer && !peer.changed) await put(this.db, 'peers', peerId, { ...peer, verified: true });
    });
  }

  /** Encrypts for the conversation's bound device, setting the session up with X3DH first if there is none. */
  encrypt(conversationId, peerId, clientId, text) {
    return this.locked(async () => {
      const device = await get(this.db, 'device', 'self');
      let session = await get(this.db, 'sessions', conversationId);
      let peer = await get(this.db, 'peers', peerId);
      if (peer && peer.changed) throw new SecretError('changed', 'Their security key changed: accept it first.');
      if (!session) {
        const bundles = await this.call('bundle', 'GET', null, { userId: peerId });
        const bundle = (peer && bundles.devices.find((d) => d.deviceId === peer.deviceId)) || bundles.devices[0];
        if (!bundle) throw new SecretError('no-device', 'They have not opened E2E Chat in a browser that supports secret conversations yet.');
        if (peer && peer.ik !== bundle.identityKey) {
          await put(this.db, 'peers', peerId, { ...peer, changed: { deviceId: bundle.deviceId, identityKey: bundle.identityKey } });
          throw new SecretError('changed', 'Their security key changed: accept it first.');
        }
        const x = await x3dhInitiate(identityOf(device), bundle);
        session = { peerDevice: bundle.deviceId, x3dh: x.header, state: await ratchetInitAlice(x.sk, x.spk, x.ad) };
        peer = peer || { ik: bundle.identityKey, deviceId: bundle.deviceId, verified: false };
      }
      const { h, ct } = await ratchetEncrypt(session.state, te.encode(text), device.deviceId, session.peerDevice);
      const envelope = { v: VERSION, from: device.deviceId, to: session.peerDevice, ...(session.x3dh ? { x3dh: session.x3dh } : {}), h, ct };
      await tx(this.db, ['sessions', 'peers', 'plain'], 'readwrite', (t) => {
        t.objectStore('sessions').put(session, conversationId);
        t.objectStore('peers').put(peer, peerId);
        t.objectStore('plain').put(text, this.userId + ':' + clientId);
      });
      return encodeEnvelope(envelope);
    });
  }

  /** A bubble's text: mine from what I typed, theirs decrypted once and kept (a second decryption would be a replay). */
  decrypt(conversationId, peerId, senderId, clientId, base64) {
    return this.locked(async () => {
      const kept = await get(this.db, 'plain', senderId + ':' + clientId);
      if (kept !== undefined) return kept;
      if (String(senderId) === String(this.userId)) throw new SecretError('other-device', 'Sent from another of your devices: only this conversation\'s devices can read it.');
      const e = decodeEnvelope(base64);
      const device = await get(this.db, 'device', 'self');
      if (!device || e.to !== device.deviceId) throw new SecretError('other-device', 'Encrypted for another of your devices.');
      let session = await get(this.db, 'sessions', conversationId);
      let peer = await get(this.db, 'peers', peerId);
      // A new X3DH from them: no session yet, or they started another one. When both started one at once, the one
      // of the smaller user id wins.
      const fresh = !!e.x3dh && (!session || (session.theirEk !== e.x3dh.ek && (!session.x3dh || Number(peerId) < Number(this.userId))));
      if (fresh) {
        const spk = device.spk.id === e.x3dh.spk ? device.spk.pair : null;
        const opk = e.x3dh.opk === null ? null : device.opks[e.x3dh.opk];
        if (!spk || (e.x3dh.opk !== null && !opk)) throw new SecretError('replayed', 'Its one-time key was used already.');
        const x = await x3dhRespond(identityOf(device), e.x3dh, spk, opk);
        session = { peerDevice: e.from, theirEk: e.x3dh.ek, state: ratchetInitBob(x.sk, spk, x.ad) };
        if (peer && peer.ik !== e.x3dh.ik) peer = { ...peer, changed: { deviceId: e.from, identityKey: e.x3dh.ik, fromMessage: true } };
        else if (!peer || peer.deviceId !== e.from) peer = { ik: e.x3dh.ik, deviceId: e.from, verified: false };
        if (opk) delete device.opks[e.x3dh.opk];
      }
      if (!session) throw new SecretError('other-device', 'No session with this sender on this device.');
      const out = await ratchetDecrypt(session.state, e.h, e.ct, e.from, e.to);
      session.state = out.state;
      delete session.x3dh; // a reply proves Bob has the session: no more X3DH headers
      const text = td.decode(out.plaintext);
      await tx(this.db, ['sessions', 'peers', 'plain', 'device'], 'readwrite', (t) => {
        t.objectStore('sessions').put(session, conversationId);
        t.objectStore('peers').put(peer, peerId);
        t.objectStore('plain').put(text, senderId + ':' + clientId);
        if (fresh) t.objectStore('device').put(device, 'self');
      });
      if (fresh) this.replenish(device).catch(() => {});
      return text;
    });
  }

  /** Tops the directory's one-time pre-keys up when the ones this browser holds run low. */
  async replenish(device) {
    if (Object.keys(device.opks).length >= ONE_TIME_BATCH / 2) return;
    await this.locked(async () => {
      const d = await get(this.db, 'device', 'self');
      const keys = await oneTimeKeys(d.nextOpk, ONE_TIME_BATCH);
      await this.call('onetime', 'POST', { oneTimePreKeys: keys.map((k) => ({ keyId: k.id, publicKey: b64(k.pair.pub) })) }, { deviceId: d.deviceId });
      for (const k of keys) d.opks[k.id] = k.pair;
      d.nextOpk += ONE_TIME_BATCH;
      await put(this.db, 'device', 'self', d);
    });
  }
}

export async function openApp(userId, devicePath, token) { return new SecretApp(await idb(userId), String(userId), devicePath, token); }

// ---- The page: /chat/secret/{peerId} ---------------------------------------------------------------------------

const REASONS = {
  tampered: 'Could not decrypt this message: it was changed on the way.',
  replayed: 'Could not decrypt this message: it was received before (a replay).',
  malformed: 'Could not decrypt this message: it is not a valid secret message.',
  'other-device': 'Could not decrypt this message: it was encrypted for another device.',
  'bad-signature': 'Could not decrypt this message: the sender\'s keys do not verify.',
};

async function startPage(root) {
  const token = document.querySelector('meta[name="request-verification-token"]').content;
  const peerId = root.dataset.peer, conversationId = root.dataset.conversation;
  const app = await openApp(root.dataset.me, root.dataset.devicePath, token);
  document.getElementById('secret-needs-js').hidden = true;
  const form = document.querySelector('form[data-secret]');
  const status = (id, text) => { const el = document.getElementById(id); if (el) el.textContent = text; };

  async function refreshTrust() {
    const t = await app.trust(peerId);
    status('secret-binding', `Bound to this browser (device ${t.myDevice})` + (t.peerDevice ? ` and their device ${t.peerDevice}.` : '.') +
      ' Another browser or phone of either of you cannot read these messages.');
    status('safety-number', t.safety ? t.safety.match(/.{5}/g).join(' ') : 'Shown once they have a secret-conversation device.');
    document.getElementById('secret-verified').hidden = !t.verified;
    document.getElementById('secret-verify').hidden = t.verified || !t.safety;
    const warning = document.getElementById('secret-warning');
    warning.hidden = !t.changed;
    if (form) {
      const blocked = !!t.changed || !t.peerHasDevice;
      form.hidden = false;
      form.querySelectorAll('textarea, button').forEach((el) => { el.disabled = blocked; });
      status('secret-composer-note', t.changed ? 'Sending is blocked until you accept their new key.'
        : !t.peerHasDevice ? 'They have no device for secret conversations yet: ask them to open E2E Chat.' : '');
    }
    root.dataset.ready = 'true';
  }

  const queue = [];
  let draining = false;
  async function drain() {
    if (draining) return;
    draining = true;
    let decrypted = false;
    while (queue.length) {
      const p = queue.shift();
      const bubble = p.closest('[id^="message_"]');
      const clientId = bubble.id.slice('message_'.length);
      try {
        p.textContent = await app.decrypt(conversationId, peerId, p.dataset.senderId, clientId, p.dataset.ciphertext);
        p.classList.remove('italic', 'opacity-80');
        p.dataset.decrypted = 'true';
        decrypted = true;
      } catch (e) {
        p.textContent = REASONS[e.reason] || 'Could not decrypt this message.';
        p.dataset.decryptError = e.reason || 'error';
      }
    }
    draining = false;
    // A first message may have set the session up, or brought a changed key: the header's state follows.
    if (decrypted) await refreshTrust().catch(() => {});
  }
  function collect(node) {
    if (node.nodeType !== 1) return;
    const found = node.matches('[data-ciphertext]') ? [node] : node.querySelectorAll('[data-ciphertext]');
    for (const p of found) if (!p.dataset.decrypted && !p.dataset.decryptError && !queue.includes(p)) queue.push(p);
  }
  const messages = document.getElementById('messages');
  collect(messages);
  // Bubbles come by htmx swaps (the socket, the POST's answer, older pages), all into #messages.
  new MutationObserver((records) => { records.forEach((r) => r.addedNodes.forEach(collect)); drain(); })
    .observe(messages, { childList: true, subtree: true });

  await refreshTrust();
  drain();

  document.getElementById('secret-accept').addEventListener('click', async () => { await app.accept(peerId, conversationId); await refreshTrust(); });
  document.getElementById('secret-verify').addEventListener('click', async () => { await app.markVerified(peerId); await refreshTrust(); });

  if (!form) return;
  // Encrypt before htmx sends: the request goes with the envelope in "ciphertext"; the textarea has no name.
  form.addEventListener('htmx:confirm', (e) => {
    const box = form.querySelector('textarea');
    const text = box.value;
    if (!text.trim()) { e.preventDefault(); return; }
    e.preventDefault();
    const clientId = form.querySelector('[name="clientMessageId"]').value;
    app.encrypt(conversationId, peerId, clientId, text).then((envelope) => {
      form.querySelector('[name="ciphertext"]').value = envelope;
      e.detail.issueRequest(true);
    }, async (err) => {
      status('secret-composer-note', err.message);
      await refreshTrust().catch(() => {});
    });
  });
}

const root = document.getElementById('secret-chat');
if (root && root.dataset.conversation) startPage(root).catch((e) => {
  // Where the page says it needs JavaScript: the composer stays hidden, so nothing can be sent unencrypted.
  const note = document.getElementById('secret-needs-js');
  note.hidden = false;
  note.textContent = 'This browser cannot take part in secret conversations (it needs X25519 and Ed25519 in WebCrypto, and IndexedDB): ' + e.message;
});

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chat.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Chat.Tests.Secret;

/// <summary>
/// Issue 30: the app's secret.js, running in Chromium, and the C# implementation (<see cref="SecretProtocol"/>) talk
/// to each other both ways (each side once the X3DH initiator), out of order, with tampering and replays; and both
/// give the fixed vectors. A bug that one implementation's sender and receiver share cannot pass here.
/// </summary>
public sealed class CrossImplementationTests(TestServers servers, BrowserFixture browser) : IAsyncLifetime
{
    ChatHost host = null!;
    IBrowserContext context = null!;
    IPage page = null!;

    /// <summary>Helpers in the page around the module's exported protocol: one session (window.st) at a time.</summary>
    const string Helpers = """
        async () => {
          const m = await import('/js/secret.js');
          const te = new TextEncoder(), td = new TextDecoder();
          window.m = m;
          window.enc = async (text, from, to) => {
            const { h, ct } = await m.ratchetEncrypt(window.st, te.encode(text), from, to);
            return m.encodeEnvelope({ v: 1, from, to, ...(window.x3dh ? { x3dh: window.x3dh } : {}), h, ct });
          };
          window.dec = async (env) => {
            try {
              const e = m.decodeEnvelope(env);
              const out = await m.ratchetDecrypt(window.st, e.h, e.ct, e.from, e.to);
              window.st = out.state;
              window.x3dh = null; // a reply: the peer has the session
              return td.decode(out.plaintext);
            } catch (e) { return 'error:' + (e.reason || e.message); }
          };
        }
        """;

    public async ValueTask InitializeAsync()
    {
        host = await ChatHost.StartAsync(servers, Storage.Sqlite);
        context = await browser.ContextAsync(host);
        page = await context.NewPageAsync();
        await page.GotoAsync("/login");
        await page.EvaluateAsync(Helpers);
    }

    public async ValueTask DisposeAsync()
    {
        await context.DisposeAsync();
        await host.DisposeAsync();
    }

    Task<string> Decrypt(string envelope) => page.EvaluateAsync<string>("env => window.dec(env)", envelope);
    Task<string> Encrypt(string text, int from, int to) => page.EvaluateAsync<string>("([t, f, to]) => window.enc(t, f, to)", new object[] { text, from, to });

    static string Tamper(string envelope, Func<JsonNode, JsonNode> change) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(change(JsonNode.Parse(Convert.FromBase64String(envelope))!).ToJsonString()));

    static JsonNode FlipCiphertext(JsonNode e)
    {
        var ct = Convert.FromBase64String(e["ct"]!.GetValue<string>());
        ct[^1] ^= 0x80;
        e["ct"] = Convert.ToBase64String(ct);
        return e;
    }

    [Fact]
    public async Task The_browser_starts_a_session_with_a_CSharp_device_and_both_read_each_other_out_of_order()
    {
        var bob = new SecretDevice(9);
        var envelopes = await page.EvaluateAsync<string[]>("""
            async (json) => {
              const bundle = JSON.parse(json);
              window.alice = await m.newDevice(7);
              const x = await m.x3dhInitiate(m.identityOf(alice), bundle);
              window.st = await m.ratchetInitAlice(x.sk, x.spk, x.ad);
              window.x3dh = x.header;
              const out = [];
              for (const t of ['one from JS', 'two from JS', 'three from JS ✓']) out.push(await window.enc(t, 7, 9));
              return out;
            }
            """, bob.Bundle(2).ToJsonString());

        var session = SecretSession.Respond(bob, envelopes[0]);
        Assert.False(bob.OneTime.ContainsKey(2)); // its one-time pre-key is used up
        Assert.Equal("three from JS ✓", session.Decrypt(envelopes[2])); // skipped two
        Assert.Equal("one from JS", session.Decrypt(envelopes[0]));
        Assert.Equal("two from JS", session.Decrypt(envelopes[1]));
        Assert.ThrowsAny<CryptographicException>(() => session.Decrypt(envelopes[1])); // replay
        Assert.ThrowsAny<CryptographicException>(() => session.Decrypt(Tamper(envelopes[0], FlipCiphertext)));

        var replies = new[] { session.Encrypt("reply one from C#"), session.Encrypt("reply two from C#"), session.Encrypt("reply three") };
        Assert.Equal("reply two from C#", await Decrypt(replies[1]));
        Assert.Equal("reply one from C#", await Decrypt(replies[0]));
        Assert.Equal("error:tampered", await Decrypt(Tamper(replies[2], FlipCiphertext)));
        Assert.Equal("error:tampered", await Decrypt(Tamper(replies[2], e => { e["h"]!["pn"] = 5; return e; })));
        Assert.Equal("reply three", await Decrypt(replies[2])); // a failed attempt changed nothing
        Assert.Equal("error:replayed", await Decrypt(replies[0]));
        Assert.Equal("error:malformed", await Decrypt(Convert.ToBase64String("not an envelope"u8.ToArray())));

        // A new DH ratchet step each way.
        Assert.Equal("JS again", session.Decrypt(await Encrypt("JS again", 7, 9)));
        Assert.Equal("C# again", await Decrypt(session.Encrypt("C# again")));
    }

    [Fact]
    public async Task A_CSharp_device_starts_a_session_with_the_browser_and_both_read_each_other()
    {
        var bundle = JsonNode.Parse((await page.EvaluateAsync<JsonElement>("""
            async () => { window.bob = await m.newDevice(9); return m.bundleOf(bob, 3); }
            """)).GetRawText())!;
        var alice = new SecretDevice(7);

        // A bundle whose signed pre-key signature does not verify is refused by both.
        var forged = bundle.DeepClone();
        forged["signedPreKey"]!["publicKey"] = Convert.ToBase64String(SecretProtocol.DhPair.New().Public);
        Assert.ThrowsAny<CryptographicException>(() => SecretSession.Initiate(alice, forged));
        Assert.Equal("bad-signature", await page.EvaluateAsync<string>("""
            async (b) => { try { await m.x3dhInitiate(m.identityOf(await m.newDevice(5)), JSON.parse(b)); return 'accepted'; } catch (e) { return e.reason; } }
            """, forged.ToJsonString()));

        var session = SecretSession.Initiate(alice, bundle);
        var first = session.Encrypt("hello from C#");
        var second = session.Encrypt("second from C#");
        Assert.Equal("second from C#", await page.EvaluateAsync<string>("""
            async ([first, second]) => {
              const e = m.decodeEnvelope(first);
              const opk = bob.opks[e.x3dh.opk];
              const x = await m.x3dhRespond(m.identityOf(bob), e.x3dh, bob.spk.pair, opk);
              window.st = m.ratchetInitBob(x.sk, bob.spk.pair, x.ad);
              return window.dec(second);
            }
            """, new[] { first, second }));
        Assert.Equal("hello from C#", await Decrypt(first));
        Assert.Equal("error:replayed", await Decrypt(first));

        Assert.Equal("hi C#, from JS", session.Decrypt(await Encrypt("hi C#, from JS", 9, 7)));
        Assert.Equal("and again", await Decrypt(session.Encrypt("and again")));
        Assert.Equal("last word", session.Decrypt(await Encrypt("last word", 9, 7)));

        // Safety numbers: the same 60 digits from either side's point of view.
        var csharp = SecretProtocol.SafetyNumber(alice.IdentityKey, "41", Convert.FromBase64String(bundle["identityKey"]!.GetValue<string>()), "42");
        var js = await page.EvaluateAsync<string>("k => m.safetyNumber(bob.ik.pub, '42', m.unb64(k), '41')", Convert.ToBase64String(alice.IdentityKey));
        Assert.Equal(60, csharp.Length);
        Assert.Equal(csharp, js);
    }

    [Fact]
    public async Task Both_implementations_give_the_fixed_key_derivation_vectors()
    {
        var inputs = SecretVectors.Inputs();
        var expected = SecretVectors.Expected();
        Assert.Equal(expected, SecretVectors.Compute(inputs));
        var js = await page.EvaluateAsync<Dictionary<string, string>>("""
            async (i) => {
              const H = (h) => Uint8Array.from(h.match(/../g).map((x) => parseInt(x, 16)));
              const X = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
              const o = {};
              o.rfc5869_okm = X(await m.hkdf(H(i.rfc5869_ikm), H(i.rfc5869_salt), H(i.rfc5869_info), 42));
              const ikDh = await m.importDh(H(i.alice_ik_dh_priv), H(i.alice_ik_dh_pub));
              o.rfc7748_shared = X(await m.dh(ikDh.priv, H(i.bob_ik_dh_pub)));
              const ek = await m.importDh(H(i.alice_ek_priv), H(i.alice_ek_pub));
              const spk = H(i.bob_spk_pub);
              const sk = await m.x3dhSecret([await m.dh(ikDh.priv, spk), await m.dh(ek.priv, H(i.bob_ik_dh_pub)), await m.dh(ek.priv, spk),
                await m.dh(ek.priv, H(i.bob_opk_pub))]);
              o.x3dh_sk = X(sk);
              const ratchet = await m.importDh(H(i.alice_ratchet_priv), H(i.alice_ratchet_pub));
              const st = await m.ratchetInitAlice(sk, spk, m.concat(H(i.alice_ik), H(i.bob_ik)), ratchet);
              o.kdf_rk_root = X(st.rk);
              o.kdf_rk_chain = X(st.cks);
              const [mk, next] = await m.kdfCk(st.cks);
              o.kdf_ck_message = X(mk);
              o.kdf_ck_chain = X(next);
              const keys = await m.messageKeys(mk);
              o.message_key = X(keys.key);
              o.message_nonce = X(keys.nonce);
              o.ciphertext = X(m.unb64((await m.ratchetEncrypt(st, new TextEncoder().encode(i.plaintext), +i.from, +i.to)).ct));
              o.safety_number = await m.safetyNumber(H(i.alice_ik), i.alice_id, H(i.bob_ik), i.bob_id);
              return o;
            }
            """, inputs);
        Assert.Equal(expected, js);
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Chat.Bench.Targets;

namespace Chat.Bench.Measurements;

public sealed record SearchResult(string Storage, long Messages, int Conversations, double SeedSeconds, long IndexBytes, double IndexBytesPerMessage,
    int Queries, double P50Ms, double P99Ms, double MaxMs, double MeanHits);

/// <summary>
/// Search over one user's many conversations: seed them in bulk with sentences of everyday English words (Zipf
/// distributed, so a few words are everywhere and most are rare, as in real chat), then time GET /search for one-
/// and two-word queries taken from the seeded messages themselves (so most have hits), newest first, 20 a page.
/// </summary>
public static class SearchLatency
{
    const string Vocabulary = """
        the you to and i a it is that of in for me on we have be this my what are so with can just do not at no but was will
        get like all know if your how good go out up now about time see one think there when then here yes okay call back
        today tomorrow tonight night morning week weekend friday saturday sunday monday home work office meeting lunch dinner
        coffee train bus car flight ticket airport hotel trip holiday beach mountain lake river park city street station
        birthday party present cake wine beer pizza sushi restaurant table booking reservation menu kitchen recipe chicken
        pasta salad bread cheese market shop shopping price money bank card payment invoice budget rent flat house garden
        dog cat walk run running gym football match game score team player season ticket concert music song album guitar
        movie film series episode book chapter library school class lesson exam homework teacher student university project
        deadline report slides presentation client customer manager colleague interview contract salary holiday vacation
        doctor dentist appointment hospital medicine cold fever headache sleep tired happy sad angry sorry thanks thank please
        photo photos picture video camera phone laptop charger battery screen password email message address number
        weather rain snow sun sunny cloudy windy storm umbrella jacket shoes shirt dress coat bag keys wallet glasses
        mum dad mother father sister brother grandma grandpa uncle aunt cousin baby kids wedding friend friends neighbour
        early late soon later minutes hours traffic delayed cancelled arrived leaving waiting parking downtown corner
        quick question answer idea plan change problem solution issue update news story joke funny crazy amazing awesome
        perfect great nice lovely beautiful delicious expensive cheap free busy ready sure maybe probably definitely
        lisbon paris london berlin madrid rome tokyo kyoto sydney boston chicago toronto café résumé piñata naïve straße
        garage bicycle ferry tram island village castle museum gallery bridge harbour tower cathedral festival carnival
        """;

    static readonly string[] Words = Vocabulary.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
    static readonly double[] Cumulative = ZipfCumulative(Words.Length);

    static double[] ZipfCumulative(int n)
    {
        var weights = Enumerable.Range(1, n).Select(r => 1.0 / r).ToArray();
        var total = weights.Sum();
        var cumulative = new double[n];
        for (double sum = 0, i = 0; i < n; i++) cumulative[(int)i] = sum += weights[(int)i] / total;
        return cumulative;
    }

    /// <summary>The message of a conversation at a seq: the same words every time it is asked for (the queries come from them).</summary>
    static string Text(long conversation, long seq)
    {
        var random = new Random(HashCode.Combine(conversation, seq));
        var count = random.Next(5, 15);
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var at = Array.BinarySearch(Cumulative, random.NextDouble());
            text.Append(i == 0 ? "" : " ").Append(Words[Math.Min(at < 0 ? ~at : at, Words.Length - 1)]);
        }
        return text.Append(random.Next(4) == 0 ? "?" : ".").ToString();
    }

    public static async Task<SearchResult> MeasureAsync(AppTarget app, int conversations, int perConversation, int queries)
    {
        var reader = await app.RegisterAsync();
        var ids = new List<long>();
        var clock = Stopwatch.StartNew();
        for (var c = 0; c < conversations; c++)
        {
            var peer = await app.RegisterAsync();
            using var ensure = await app.GetAsync(reader, $"/conversations/{peer.Id}");
            ensure.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await ensure.Content.ReadAsStringAsync());
            var id = long.Parse(json.RootElement.GetProperty("conversationId").GetString()!);
            ids.Add(id);
            await app.Database.SeedConversationAsync(id, long.Parse(reader.Id), long.Parse(peer.Id), perConversation, 0, seq => Encoding.UTF8.GetBytes(Text(id, seq)));
            if ((c + 1) % 10 == 0) Console.Error.WriteLine($"           {(c + 1) * (long)perConversation:N0} messages seeded ({clock.Elapsed.TotalSeconds:0} s)");
        }
        await app.Database.SettleAsync();
        var seedSeconds = clock.Elapsed.TotalSeconds;
        var indexBytes = await app.Database.SearchIndexBytesAsync();
        var messages = (long)conversations * perConversation;

        // Queries as people type them: one or two of the less common words of a message that exists.
        var pick = new Random(7);
        var paths = Enumerable.Range(0, queries).Select(_ =>
        {
            var words = Text(ids[pick.Next(ids.Count)], pick.Next(1, perConversation + 1)).TrimEnd('.', '?').Split(' ')
                .Where(w => Array.IndexOf(Words, w) >= 30).Distinct().ToList();
            if (words.Count == 0) words = ["coffee"];
            var q = pick.Next(3) == 0 && words.Count > 1 ? $"{words[0]} {words[1]}" : words[pick.Next(words.Count)];
            return "/search?limit=20&q=" + Uri.EscapeDataString(q);
        }).ToList();
        const int warmup = 20;
        var times = new List<double>();
        long hits = 0;
        for (var i = 0; i < warmup + paths.Count; i++)
        {
            var path = paths[i % paths.Count];
            var timer = Stopwatch.StartNew();
            using var response = await app.GetAsync(reader, path);
            var body = await response.Content.ReadAsStringAsync();
            var ms = timer.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {body}");
            if (i < warmup) continue;
            times.Add(ms);
            using var json = JsonDocument.Parse(body);
            hits += json.RootElement.GetProperty("items").GetArrayLength();
        }
        times.Sort();
        return new SearchResult(app.Storage, messages, conversations, Math.Round(seedSeconds, 1), indexBytes, Math.Round((double)indexBytes / messages, 1),
            times.Count, Math.Round(times[times.Count / 2], 2), Math.Round(times[(int)Math.Ceiling(times.Count * 0.99) - 1], 2), Math.Round(times[^1], 2),
            Math.Round((double)hits / times.Count, 1));
    }
}

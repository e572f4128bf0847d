using System.Net;
using Chat.Tests.Api;
using Chat.Tests.Infrastructure;
using Npgsql;

namespace Chat.Tests.Health;

public abstract class HealthApiTests(AppFixture app)
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_answers_ok_without_a_token()
    {
        using var client = app.Host.Client();
        var response = await client.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"ok\":true}", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Ready_reports_the_database_up()
    {
        using var client = app.Host.Client();
        var body = await client.GetOkAsync("/health/ready");
        Assert.True(body.GetProperty("ok").GetBoolean());
        Assert.Equal("up", body.GetProperty("checks").GetProperty("database").GetString());
    }

    [Fact]
    public async Task Ready_is_503_when_the_database_is_gone()
    {
        var database = app.Storage == Storage.Postgres
            ? await app.Servers.CreateDatabaseAsync()
            : Path.Combine(Path.GetTempPath(), $"chat-health-{Guid.NewGuid():N}.db");
        await using (var host = await ChatHost.StartAsync(app.Servers, app.Storage, database: database))
        {
            using var client = host.Client();
            await client.GetOkAsync("/health/ready");

            await DestroyAsync(database);

            var response = await client.GetAsync("/health/ready", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.False(body.GetProperty("ok").GetBoolean());
            Assert.Equal("down", body.GetProperty("checks").GetProperty("database").GetString());
            // Liveness is not readiness: the process still answers.
            await client.GetOkAsync("/health");
        }
        if (app.Storage == Storage.Sqlite) Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_node_without_its_Redis_is_not_ready_but_still_serving_for_the_load_balancer()
    {
        // Nothing listens on this port: the node starts anyway and serves its own sockets.
        var nowhere = $"127.0.0.1:{TestServers.FreePort()},abortConnect=false,connectTimeout=200";
        await using var host = await ChatHost.StartAsync(app.Servers, app.Storage, s => s["REDIS_URL"] = nowhere);
        using var client = host.Client();
        var ready = await client.GetAsync("/health/ready", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var readyBody = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("down", readyBody.GetProperty("checks").GetProperty("redis").GetString());
        var serving = await client.GetOkAsync("/health/serving");
        Assert.Equal(["accepting", "database", "migrations"], serving.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.All(serving.GetProperty("checks").EnumerateObject(), c => Assert.Equal("up", c.Value.GetString()));
    }

    /// <summary>Takes the database away under the running app: DROP DATABASE on PostgreSQL, the file on SQLite.</summary>
    async Task DestroyAsync(string database)
    {
        if (app.Storage == Storage.Postgres)
        {
            var name = new NpgsqlConnectionStringBuilder(database).Database;
            await using var conn = new NpgsqlConnection(app.Servers.PostgresAdmin);
            await conn.OpenAsync(Ct);
            await using var drop = new NpgsqlCommand($"DROP DATABASE \"{name}\" WITH (FORCE)", conn);
            await drop.ExecuteNonQueryAsync(Ct);
        }
        else
        {
            foreach (var f in new[] { database, database + "-wal", database + "-shm" }) File.Delete(f);
        }
    }
}

public sealed class HealthApiOnPostgres(PostgresApp app) : HealthApiTests(app), IClassFixture<PostgresApp>;

public sealed class HealthApiOnSqlite(SqliteApp app) : HealthApiTests(app), IClassFixture<SqliteApp>;

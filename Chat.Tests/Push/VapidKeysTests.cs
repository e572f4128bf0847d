using Chat.Web.Features.Push;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Chat.Tests.Push;

/// <summary>Where the VAPID key pair comes from, in each environment.</summary>
public sealed class VapidKeysTests
{
    static HostingEnvironment Environment(string name, string root) => new() { EnvironmentName = name, ContentRootPath = root };

    [Fact]
    public void Development_generates_a_pair_once_and_keeps_it_in_app_data()
    {
        var root = Directory.CreateTempSubdirectory("vapid-").FullName;
        try
        {
            var first = VapidKeys.Load(new PushSettings(), Environment(Environments.Development, root));
            var second = VapidKeys.Load(new PushSettings(), Environment(Environments.Development, root));
            Assert.NotNull(first);
            Assert.Equal(first, second);
            Assert.True(File.Exists(Path.Combine(root, "App_Data", "vapid-keys.json")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Production_without_keys_has_push_off_unless_it_is_asked_for_which_refuses_to_start()
    {
        var production = Environment(Environments.Production, Path.GetTempPath());
        Assert.Null(VapidKeys.Load(new PushSettings(), production));
        var e = Assert.Throws<InvalidOperationException>(() => VapidKeys.Load(new PushSettings { Enabled = true }, production));
        Assert.Contains("VAPID_PUBLIC_KEY", e.Message);
        var keys = VapidKeys.Create("mailto:ops@example.com");
        Assert.Equal(keys.PublicKey, VapidKeys.Load(new PushSettings { PublicKey = keys.PublicKey, PrivateKey = keys.PrivateKey }, production)!.PublicKey);
        Assert.Null(VapidKeys.Load(new PushSettings { PublicKey = keys.PublicKey, PrivateKey = keys.PrivateKey, Enabled = false }, production));
    }

    [Fact]
    public void Half_a_pair_or_a_subject_that_is_not_mailto_or_https_refuses_to_start()
    {
        var production = Environment(Environments.Production, Path.GetTempPath());
        var keys = VapidKeys.Create("mailto:ops@example.com");
        Assert.Throws<InvalidOperationException>(() => VapidKeys.Load(new PushSettings { PublicKey = keys.PublicKey }, production));
        Assert.Throws<InvalidOperationException>(() => VapidKeys.Load(new PushSettings { PublicKey = keys.PublicKey, PrivateKey = "short" }, production));
        Assert.Throws<InvalidOperationException>(() => VapidKeys.Load(new PushSettings { Subject = "ops@example.com" }, production));
    }
}

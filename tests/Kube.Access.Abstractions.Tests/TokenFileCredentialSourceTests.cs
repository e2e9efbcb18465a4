using FluentAssertions;
using Kube.Access;
using Xunit;

namespace Kube.Access.Abstractions.Tests;

public sealed class TokenFileCredentialSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kube-access-token-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Reads_trimmed_token_and_caches_it_within_the_interval()
    {
        var path = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(path, "  first-token\n");
        var time = new ManualTime();
        var source = new TokenFileCredentialSource(path, TimeSpan.FromMinutes(1), time);

        (await source.GetCredentialAsync(default)).BearerToken.Should().Be("first-token");
        await File.WriteAllTextAsync(path, "second-token");
        time.Now += TimeSpan.FromSeconds(30);
        (await source.GetCredentialAsync(default)).BearerToken.Should().Be("first-token");
        time.Now += TimeSpan.FromSeconds(31);
        (await source.GetCredentialAsync(default)).BearerToken.Should().Be("second-token");
    }

    [Fact]
    public async Task Invalidate_after_rejection_rereads_at_once()
    {
        var path = Path.Combine(_dir, "token");
        await File.WriteAllTextAsync(path, "old");
        var source = new TokenFileCredentialSource(path, TimeSpan.FromHours(1), new ManualTime());
        var old = await source.GetCredentialAsync(default);
        await File.WriteAllTextAsync(path, "new");

        (await source.InvalidateAsync(old, default)).Should().BeTrue();
        (await source.GetCredentialAsync(default)).BearerToken.Should().Be("new");
    }

    [Fact]
    public async Task Missing_or_empty_file_is_a_typed_error_naming_the_path()
    {
        var missing = Path.Combine(_dir, "nope");
        var act = async () => await new TokenFileCredentialSource(missing).GetCredentialAsync(default);
        (await act.Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain(missing);

        var empty = Path.Combine(_dir, "empty");
        await File.WriteAllTextAsync(empty, " \n");
        act = async () => await new TokenFileCredentialSource(empty).GetCredentialAsync(default);
        (await act.Should().ThrowAsync<KubeCredentialException>()).Which.Message.Should().Contain("empty").And.Contain(empty);
    }

    [Fact]
    public void Credential_ToString_never_prints_secrets()
    {
        KubeCredential.FromToken("s3cret").ToString().Should().NotContain("s3cret");
        KubeCredential.FromBasic("admin", "pa55").ToString().Should().NotContain("pa55").And.Contain("admin");
    }
}

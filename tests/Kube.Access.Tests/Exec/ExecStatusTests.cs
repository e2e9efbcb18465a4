using System.Text;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kube.Access.Exec;
using Xunit;

namespace Kube.Access.Tests.Exec;

/// <summary>The status channel (channel 3) and the resize document.</summary>
public sealed class ExecStatusTests
{
    private static ExecResult Parse(string json) => ExecSession.ParseStatus(Encoding.UTF8.GetBytes(json), "ns", "p", "c");

    [Fact]
    public void Success_is_exit_code_zero() =>
        Parse("""{"metadata":{},"status":"Success"}""").Should().Be(ExecResult.Success);

    [Fact]
    public void NonZeroExitCode_gives_the_code_of_the_ExitCode_cause()
    {
        var result = Parse("""{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: exit status 42","reason":"NonZeroExitCode","details":{"causes":[{"reason":"Other","message":"x"},{"reason":"ExitCode","message":"42"}]}}""");
        result.Should().Be(new ExecResult(42, "NonZeroExitCode", "command terminated with non-zero exit code: exit status 42"));
    }

    [Theory]
    [InlineData("""{"status":"Failure","reason":"NonZeroExitCode","message":"m"}""", ExecErrorKind.Failed)]
    [InlineData("""{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"many"}]}}""", ExecErrorKind.Failed)]
    [InlineData("""{"status":"Failure","reason":"InternalError","message":"Internal error occurred: boom"}""", ExecErrorKind.Failed)]
    [InlineData("""{"status":"Failure","message":"OCI runtime exec failed: exec: \"x\": executable file not found in $PATH: unknown"}""", ExecErrorKind.CommandNotFound)]
    [InlineData("""not json""", ExecErrorKind.Failed)]
    [InlineData("""[1,2]""", ExecErrorKind.Failed)]
    public void Other_statuses_are_typed_errors_with_the_servers_text(string json, ExecErrorKind kind)
    {
        var act = () => Parse(json);
        var error = act.Should().Throw<ExecException>().Which;
        error.Kind.Should().Be(kind);
        error.Pod.Should().Be("p");
        error.Namespace.Should().Be("ns");
        error.Container.Should().Be("c");
    }

    [Property(MaxTest = 500)]
    public Property Any_bytes_give_a_result_or_an_ExecException()
    {
        var fragments = Gen.Elements("{", "}", "[", "]", "\"status\":", "\"Success\"", "\"Failure\"", "\"reason\":", "\"NonZeroExitCode\"", "\"ExitCode\"",
            "\"details\":", "\"causes\":", "\"message\":", "\"7\"", "\"-1\"", "\"99999999999\"", ",", ":", "null", "1e400", "\"\\u00\"", "\xff\xfe");
        var documents = Gen.OneOf(
            Gen.ArrayOf(fragments).Select(parts => Encoding.Latin1.GetBytes(string.Concat(parts))),
            Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()));
        return Prop.ForAll(documents.ToArbitrary(), bytes =>
        {
            try
            {
                ExecSession.ParseStatus(bytes, "ns", "p", "c");
            }
            catch (ExecException)
            {
            }
        });
    }

    [Theory]
    [InlineData(80, 24, """{"Width":80,"Height":24}""")]
    [InlineData(0, 0, """{"Width":0,"Height":0}""")]
    [InlineData(65535, 65535, """{"Width":65535,"Height":65535}""")]
    public void The_resize_document_is_kubectls(int width, int height, string expected)
    {
        var buffer = new byte[40];
        var length = ExecSession.FormatResize(buffer, width, height);
        Encoding.ASCII.GetString(buffer, 0, length).Should().Be(expected);
    }
}

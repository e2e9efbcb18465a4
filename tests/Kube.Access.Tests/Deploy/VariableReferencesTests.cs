using FluentAssertions;
using Kube.Access.Deploy;
using Xunit;

namespace Kube.Access.Tests.Deploy;

public class VariableReferencesTests
{
    private static readonly Dictionary<string, string> Vars = new() { ["A"] = "alpha", ["B"] = "beta" };

    [Theory]
    [InlineData("$(A)", "alpha")]
    [InlineData("x-$(A)-$(B)-y", "x-alpha-beta-y")]
    [InlineData("$$(A)", "$(A)")]
    [InlineData("$$", "$")]
    [InlineData("$(UNKNOWN)", "$(UNKNOWN)")]
    [InlineData("$(A", "$(A")]
    [InlineData("cost $5", "cost $5")]
    [InlineData("end$", "end$")]
    [InlineData("", "")]
    public void Expands_like_the_kubelet(string input, string expected) =>
        VariableReferences.Expand(input, Vars).Should().Be(expected);

    [Fact]
    public void Finds_references_and_unclosed_openers()
    {
        VariableReferences.Find("a $(X) $$(Y) $(Z", out var unclosed).Select(r => r.Name).Should().Equal("X");
        unclosed.Should().Be(13);
    }
}

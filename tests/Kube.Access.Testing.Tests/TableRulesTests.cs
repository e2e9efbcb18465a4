using FluentAssertions;
using Kube.Access.Testing.Tables;
using Xunit;

namespace Kube.Access.Testing.Tests;

/// <summary>The pure rules behind server-side Tables: the apiserver's HumanDuration and Accept negotiation.</summary>
public sealed class TableRulesTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(303, "5m3s")]
    [InlineData(600, "10m")]
    [InlineData(179 * 60 + 59, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(3 * 3600 + 12 * 60 + 5, "3h12m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 3599, "47h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(53 * 3600, "2d5h")]
    [InlineData(8 * 86400, "8d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(750 * 86400, "2y20d")]
    [InlineData(8 * 365 * 86400, "8y")]
    public void Human_duration_follows_the_apiserver(long seconds, string expected)
        => HumanDuration.Format(TimeSpan.FromSeconds(seconds)).Should().Be(expected);

    [Theory]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true)]
    [InlineData("application/json", false)]
    [InlineData("", false)]
    [InlineData("*/*", false)]
    [InlineData("application/json,application/json;as=Table;v=v1;g=meta.k8s.io", false)]
    [InlineData("application/json;q=0.9,application/json;as=Table;v=v1;g=meta.k8s.io", true)]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io;q=0,application/json", false)]
    [InlineData("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io", true)]
    [InlineData("application/json;as=Table;g=meta.k8s.io", false)]
    [InlineData("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", false)]
    [InlineData("application/json; as=\"Table\"; v=v1; g=meta.k8s.io", true)]
    public void Accept_prefers_a_table_only_when_its_best_acceptable_clause_is_one(string accept, bool table)
        => TableRequest.PrefersTable(accept).Should().Be(table);
}
